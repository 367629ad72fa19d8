/** `labelwarp train gn`: the feature network of the Gauss-Newton engine (core/learned/train-gn.ts). */
import path from 'node:path';
import { option } from '../options.js';
import type { EngineTrainer } from '../engine.js';

const TRAIN_OPTIONS = {
  iterations: option.integer({ description: 'training iterations', default: 300, min: 1, max: 1e6 }),
  learningRate: option.number({ description: 'Adam step', default: 3e-3, min: 1e-7, max: 1 }),
  validationFraction: option.number({
    description: 'share of the labelled scans held out (the last ones by name)',
    default: 0.2,
    min: 0.01,
    max: 0.9,
  }),
  validateEvery: option.integer({ description: 'validate every N iterations (and at the end)', default: 50, min: 1, max: 1e6 }),
  checkpointEvery: option.integer({ description: 'write checkpoint/ every N iterations', default: 25, min: 1, max: 1e6 }),
  maxValidation: option.integer({ description: 'validation subjects scored each time', default: 20, min: 1, max: 10000 }),
  steps: option.integer({ description: 'unrolled Gauss-Newton steps', default: 4, min: 1, max: 20 }),
  lambda: option.number({ description: 'regularisation weight during training', default: 0.02, min: 0, max: 1000 }),
  imageWeight: option.number({ description: 'weight of the image term beside the Dice loss', default: 0.5, min: 0, max: 100 }),
  foldWeight: option.number({
    description: 'weight of the folding penalty, mean of max(0, 0.1 − det J) of the trained field',
    default: 5,
    min: 0,
    max: 1000,
  }),
  maxFoldPercent: option.number({
    description: 'checkpoints whose validation fields fold on more than this % of voxels rank below the rest',
    default: 0.5,
    min: 0,
    max: 100,
  }),
  hidden: option.integer({ description: 'hidden channels of the network', default: 4, min: 1, max: 64 }),
  outChannels: option.integer({ description: 'feature channels the network adds to MIND-SSC', default: 4, min: 1, max: 32 }),
  seed: option.integer({ description: 'random seed (initial weights, subject order)', default: 1, min: 0, max: 2 ** 31 }),
};

export const gnTrainer: EngineTrainer<typeof TRAIN_OPTIONS> = {
  help: `Trains the Gauss-Newton engine's feature network (a small 3D CNN whose channels are added to
MIND-SSC) end to end through unrolled Gauss-Newton steps, with a Dice loss on the warped template
labels plus an image term and a folding penalty. The last --validation-fraction of the labelled
scans (sorted by name) is held out; the model with the best validation Dice (among those folding on
at most --max-fold-percent of voxels) is kept in MODEL_DIR (model.json, weights.bin),
with log.csv, validation.csv, summary.json and checkpoint/ for --resume.
Use it with: labelwarp segment … --engine gn --model MODEL_DIR`,
  options: TRAIN_OPTIONS,
  async train(inputs, o) {
    // The training code (and TensorFlow.js with it) loads only when a training starts.
    const { trainGaussNewton } = await import('../../learned/train-gn.js');
    const r = await trainGaussNewton({ ...inputs, ...o });
    return {
      modelDir: r.modelDir,
      summary: `best validation Dice ${r.bestValidationDice.toFixed(4)} (without the network ${r.baselineValidationDice.toFixed(4)}); model in ${path.resolve(r.modelDir)}`,
    };
  },
};
