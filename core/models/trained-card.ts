/**
 * The card of a model trained with tensors: what every trainer knows besides its engine's own
 * configuration, written in the common format with the tensor backend that trained it.
 */
import { writeModelCard } from './model-format.js';
import type { ModelCard } from './model-format.js';
import { initTensorBackend } from '../tensor/backend.js';

/** Everything about a trained model except its engine's config and weights; paths are read for checksums only. */
export interface TrainedModelInfo {
  templateImage: string;
  templateLabels?: string;
  subjects: { training: string[]; validation: string[] };
  /** Training settings, recorded in the engine's config. */
  settings: Record<string, unknown>;
  /** Wall-clock seconds of training so far (null where unknown). */
  seconds: number | null;
  validation: ModelCard['validation'];
  /** More training facts for card.training (iteration, best score so far, notes). */
  extra?: Record<string, unknown>;
}

/** Writes DIR/model.json for a model of `engine` trained on this process's tensor backend. */
export async function writeTrainedModelCard(dir: string, engine: string, config: object, info: TrainedModelInfo): Promise<ModelCard> {
  return writeModelCard(dir, {
    engine,
    config: config as Record<string, unknown>,
    templateImage: info.templateImage,
    templateLabels: info.templateLabels,
    subjects: info.subjects,
    training: { ...info.extra, backend: (await initTensorBackend()).description, seconds: info.seconds },
    validation: info.validation,
  });
}
