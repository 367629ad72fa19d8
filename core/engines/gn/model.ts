/**
 * The learned Gauss-Newton model folder, in the common model format (core/models/model-format.ts):
 * model.json (card; config holds the network, its weight manifest and the MIND-SSC settings it was
 * trained beside) and weights.bin. `saveFeatureModel` is the one writer, used by training.
 */
import { FeatureNet } from '../../learned/feature-net.js';
import type { FeatureNetConfig, WeightsManifest } from '../../learned/feature-net.js';
import { readModelCard } from '../../models/model-format.js';
import { writeTrainedModelCard } from '../../models/trained-card.js';
import type { TrainedModelInfo } from '../../models/trained-card.js';
import type { ModelCard } from '../../models/model-format.js';
import { LabelWarpError } from '../../util/errors.js';

export interface MindSettings {
  radius: number;
  dilation: number;
}

/** `config` of a gn model card. */
export interface GnModelConfig {
  network: FeatureNetConfig;
  weights: WeightsManifest;
  /** MIND-SSC settings the network's channels were trained beside. */
  mind: MindSettings;
  /** Training settings (unrolled steps, λ, loss weights, learning rate, …). */
  training: Record<string, unknown>;
}

/** Everything about a trained feature network except its weights. */
export interface FeatureModelInfo extends TrainedModelInfo {
  mind: MindSettings;
}

/** Writes MODEL_DIR/weights.bin and MODEL_DIR/model.json (the card) for a trained feature network. */
export async function saveFeatureModel(dir: string, net: FeatureNet, info: FeatureModelInfo): Promise<ModelCard> {
  const weights = await net.saveWeights(dir);
  const config: GnModelConfig = { network: net.config, weights, mind: info.mind, training: info.settings };
  return writeTrainedModelCard(dir, 'gn', config, info);
}

/** Reads a gn model folder: the card, the MIND-SSC settings and the network (dispose it). */
export async function loadFeatureModel(dir: string): Promise<{ net: FeatureNet; card: ModelCard; config: GnModelConfig }> {
  const card = await readModelCard(dir, 'gn');
  const config = card.config as unknown as GnModelConfig;
  if (!config.network || !config.weights?.tensors || !config.mind)
    throw new LabelWarpError('model.json lacks the network configuration', dir);
  const net = await FeatureNet.loadWeights(dir, config.network, config.weights);
  return { net, card, config };
}
