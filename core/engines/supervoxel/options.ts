/** The supervoxel engine's options: the one home of their defaults (pre-alignment as gn's; keypoints as the paper's). */
import { option } from '../options.js';
import type { OptionValues } from '../options.js';
import { RUNTIME_OPTION } from '../cnn-runtime.js';
import { GN_OPTIONS } from '../gn/options.js';
import { PAPER_KEYPOINT_OPTIONS } from './keypoints.js';

export const SUPERVOXEL_OPTIONS = {
  model: option.path({ description: 'supervoxel model folder (from labelwarp train supervoxel); default: the bundled hippocampus model' }),
  runtime: RUNTIME_OPTION,
  learningRate: option.number({
    description: 'Adam step of the keypoint displacements (normalised coordinates)',
    default: PAPER_KEYPOINT_OPTIONS.learningRate,
    min: 1e-5,
    max: 1,
  }),
  alpha: option.number({
    description: 'weight of the k-nearest-neighbour diffusion penalty',
    default: PAPER_KEYPOINT_OPTIONS.alpha,
    min: 0,
    max: 100,
  }),
  neighbours: option.integer({ description: 'k of the keypoint graph', default: PAPER_KEYPOINT_OPTIONS.k, min: 1, max: 64 }),
  iterations: option.integer({
    description: 'Adam iterations of the keypoint matching',
    default: PAPER_KEYPOINT_OPTIONS.iterations,
    min: 0,
    max: 10000,
  }),
  // On 10 held-out hippocampus scans (bundled model): mean Dice 0.647 against 0.627 for all layers,
  // keypoint matching 0.29 s against 0.72 s (docs/benchmarks.md).
  ownLayer: option.boolean({
    description:
      "match each keypoint on its own supervoxel layer's channels only (16 times less work; false: on all layers', as the paper)",
    default: true,
  }),
  smoothMm: option.number({
    description: 'Gaussian σ (mm) turning keypoint displacements into a dense field',
    default: 4,
    min: 0.5,
    max: 100,
  }),
  headChunk: option.integer({ description: 'supervoxel layers scored at a time on tfjs (memory bound)', default: 4, min: 1, max: 16 }),
  affineLevels: GN_OPTIONS.affineLevels,
  // The bundled model was trained and validated behind 200 and 120 iterations (gn now runs 100 and 60).
  affineIterations: option.numberList({
    description: GN_OPTIONS.affineIterations.description,
    default: [200, 120, 0],
    min: 0,
    max: 5000,
  }),
};

export type SupervoxelOptions = OptionValues<typeof SUPERVOXEL_OPTIONS>;
