/**
 * The `gn` engine: affine pre-alignment composed with Gauss-Newton on MIND-SSC features (plus a
 * learned feature network with `model`), trainable with `labelwarp train gn`.
 */
import { defineEngine } from '../engine.js';
import { compose } from '../compose.js';
import { affineStep } from '../affine/step.js';
import { learnedFeatures } from '../../learned/learned-features.js';
import { templateWarning } from '../../models/model-format.js';
import { GN_OPTIONS, gaussNewtonSettings, mindFeatures } from './options.js';
import type { GnOptions } from './options.js';
import { gaussNewtonStep } from './step.js';
import { gnMemory } from './memory.js';
import { gnTrainer } from './train.js';

async function deformableStep(options: GnOptions) {
  if (!options.model) {
    return gaussNewtonStep(gaussNewtonSettings(options, mindFeatures(options)));
  }
  const dir = options.model;
  // The network (and TensorFlow.js with it) loads only for the learned mode.
  const { loadFeatureModel } = await import('./model.js');
  const { net, card, config } = await loadFeatureModel(dir);
  return gaussNewtonStep(
    gaussNewtonSettings(options, learnedFeatures(net, config.mind.radius, config.mind.dilation, options.intensityWeight)),
    {
      warnings: async (templateFile) => [await templateWarning(card, dir, templateFile)].filter((w): w is string => w !== undefined),
      dispose: () => net.dispose(),
    },
  );
}

export const gaussNewtonEngine = defineEngine({
  name: 'gn',
  description: 'Gauss-Newton deformable registration on MIND-SSC features with diffusion regularisation (after affine pre-alignment)',
  deformable: true,
  options: GN_OPTIONS,
  // Learned features only where a model is given; MIND-SSC otherwise.
  modelFolder: (options) => options.model,
  // Tensors only for the learned features; MIND-SSC runs on typed-array kernels.
  usesTensors: (options) => options.model !== undefined,
  async create(options) {
    const affine = affineStep({
      levels: options.affineLevels,
      iterations: options.affineIterations,
      maxVoxels: options.affineMaxVoxels,
      role: 'pre-alignment',
    });
    return compose(affine, await deformableStep(options), { name: 'gn', split: 0.3 });
  },
  estimateMemory: gnMemory,
  trainer: gnTrainer,
});
