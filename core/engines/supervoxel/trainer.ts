/** `labelwarp train supervoxel`: the trainer's options, help and teacher (train.ts holds the training, loaded when one starts). */
import { option } from '../options.js';
import type { OptionValues } from '../options.js';
import { gnTeacher, splitSubjects, teacherTrainingOptions } from '../teacher-training-options.js';
import type { EngineTrainer } from '../engine.js';
import { DEFAULT_SUPERVOXELS } from './template-supervoxels.js';

export const SUPERVOXEL_TRAIN_OPTIONS = {
  iterations: option.integer({ description: 'training iterations (one scan each)', default: 600, min: 1, max: 1e6 }),
  learningRate: option.number({ description: 'Adam step', default: 0.002, min: 1e-7, max: 1 }),
  augment: option.number({
    description: 'spread of the random affine augmentation (linear part and shift / half extent)',
    default: 0.07,
    min: 0,
    max: 0.5,
  }),
  grid: option.numberList({ description: 'network grid x,y,z (multiples of 4)', default: [24, 32, 24], min: 8, max: 512 }),
  headChunk: option.integer({ description: 'supervoxel layers scored at a time in training (memory bound)', default: 16, min: 1, max: 16 }),
  layers: option.integer({ description: 'supervoxel layers (SLIC initialisations)', default: DEFAULT_SUPERVOXELS.layers, min: 1, max: 64 }),
  supervoxels: option.integer({ description: 'foreground supervoxels per layer', default: DEFAULT_SUPERVOXELS.count, min: 2, max: 127 }),
  maskDilationMm: option.number({
    description: 'dilation of the template foreground (labels, else intensity) mask, mm',
    default: DEFAULT_SUPERVOXELS.maskDilationMm,
    min: 0,
    max: 200,
  }),
  bins: option.integer({
    description: 'matching channels per layer (classes folded by a seeded permutation)',
    default: 16,
    min: 2,
    max: 128,
  }),
  ...teacherTrainingOptions({
    maxTraining: 119,
    validationFraction: 0.4,
    validateEvery: 100,
    seedDescription: 'random seed (supervoxels, weights, order, augmentation)',
  }),
};

export type SupervoxelTrainOptions = OptionValues<typeof SUPERVOXEL_TRAIN_OPTIONS>;

export const supervoxelTrainer: EngineTrainer<typeof SUPERVOXEL_TRAIN_OPTIONS> = {
  help: `Trains the supervoxel network (SLIC-Reg): the template's 16 layers of 127 SLIC supervoxels,
carried to the training scans through Gauss-Newton teacher fields (computed once, reused), are
predicted by a compact 3D DeepLab (MobileNetV2 blocks, ASPP, a grouped 16 × 128 head) trained with
cross-entropy and random affine augmentation. The best model on the held-out subjects (Dice of the
whole registration) is kept in MODEL_DIR (model.json, weights.bin, supervoxels.bin,
supervoxel.onnx) with log.csv, validation.csv and checkpoint/.
Use it with: labelwarp segment … --engine supervoxel --model MODEL_DIR`,
  options: SUPERVOXEL_TRAIN_OPTIONS,
  // The training code (and TensorFlow.js with it) loads only when a training starts.
  train: async (inputs, o) => (await import('./train.js')).trainSupervoxel(inputs, o),
  teacher: gnTeacher,
  // The teacher's fields carry the supervoxels to the training scans only (validation scores the whole registration).
  teacherSubjects: (o, labelled) => splitSubjects(labelled, o).training,
};
