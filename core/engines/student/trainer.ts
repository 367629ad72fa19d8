/** `labelwarp train student`: the trainer's options, help and teacher (train.ts holds the training, loaded when one starts). */
import { option } from '../options.js';
import type { OptionValues } from '../options.js';
import { gnTeacher, splitSubjects, teacherTrainingOptions } from '../teacher-training-options.js';
import type { EngineTrainer } from '../engine.js';
import { STUDENT_OPTIONS } from './options.js';

export const STUDENT_TRAIN_OPTIONS = {
  iterations: option.integer({ description: 'training iterations (student updates)', default: 150, min: 1, max: 1e6 }),
  learningRate: option.number({ description: 'Adam step of the student', default: 1e-3, min: 1e-7, max: 1 }),
  finalLearningRate: option.number({
    description: 'the student step decays along a cosine to this fraction of --learning-rate at the last iteration (1: constant)',
    default: 0.05,
    min: 0,
    max: 1,
  }),
  criticLearningRate: option.number({ description: 'Adam step of the discriminator', default: 1e-4, min: 1e-7, max: 1 }),
  criticEvery: option.integer({ description: 'student updates per discriminator update', default: 5, min: 1, max: 1000 }),
  gamma: option.number({ description: 'γ: weight of l_rec against l_dis (1: no discriminator)', default: 0.5, min: 0, max: 1 }),
  gpLambda: option.number({ description: 'λ of the gradient penalty', default: 10, min: 0, max: 1000 }),
  beta: option.number({ description: 'β: share of the teacher field in the penalty point', default: 0.5, min: 0, max: 1 }),
  teacherWeight: option.number({
    description: 'weight of the mean squared difference to the teacher field (voxels²)',
    default: 1,
    min: 0,
    max: 1000,
  }),
  foldingWeight: option.number({ description: 'weight of the folding penalty mean(max(0, τ − det J))', default: 10, min: 0, max: 1e4 }),
  foldingTau: option.number({ description: 'τ of the folding penalty', default: 0.1, min: 0, max: 1 }),
  // 10 on the hippocampus cohort: best validation Dice 0.7701 against 0.7099 without, 0.7425 with 3 at
  // iteration 500 (docs/benchmarks.md).
  labelWeight: option.number({
    description:
      "weight of 1 − soft Dice between the template labels warped by the student and the training scan's own labels (0: not used)",
    default: 10,
    min: 0,
    max: 1000,
  }),
  smoothWeight: option.number({ description: 'weight of the squared-gradient smoothness term', default: 0.1, min: 0, max: 1000 }),
  inverseConsistency: option.boolean({ description: 'add the inverse-consistency penalty (and the backward l_rec)', default: false }),
  icWeight: option.number({ description: 'weight of the inverse-consistency terms', default: 1, min: 0, max: 1000 }),
  cycle: option.boolean({ description: 'LT-Net cycle training with a backward network', default: false }),
  cycleLambda1: option.number({ description: 'λ1: image-cycle L1 weight', default: 10, min: 0, max: 1000 }),
  cycleLambda2: option.number({ description: 'λ2: transformation-cycle and anatomy-cycle weight', default: 3, min: 0, max: 1000 }),
  twoStep: option.boolean({ description: 'record that the model is meant to run twice (segment --option twoStep=true)', default: false }),
  // 0.05 on the hippocampus cohort: best validation Dice 0.6993 against 0.7032 without (docs/benchmarks.md).
  augment: option.number({
    description:
      'spread of the random affine augmentation of the scan and its teacher field (linear part and shift / half extent; 0: none)',
    default: 0,
    min: 0,
    max: 0.5,
  }),
  grid: option.numberList({ description: 'network grid x,y,z (multiples of 16)', default: [16, 32, 16], min: 16, max: 512 }),
  // The engine's pre-alignment, declared there: the pairs are pre-aligned as inference will be.
  affineLevels: STUDENT_OPTIONS.affineLevels,
  affineIterations: STUDENT_OPTIONS.affineIterations,
  ...teacherTrainingOptions({
    maxTraining: 60,
    validationFraction: 0.2,
    validateEvery: 50,
    seedDescription: 'random seed (weights, subject order)',
  }),
};

export type StudentTrainOptions = OptionValues<typeof STUDENT_TRAIN_OPTIONS>;

export const studentTrainer: EngineTrainer<typeof STUDENT_TRAIN_OPTIONS> = {
  help: `Distils the student network (four stride-2 convolutions, three transposed convolutions with
skips) from the Gauss-Newton teacher: l_rec (1 − correlation) and the discriminator term
(LDR-ALDK, with its gradient penalty), the teacher field, a folding penalty, smoothness and
(--label-weight) 1 − soft Dice of the warped template labels against each training scan's own
labels; --inverse-consistency and --cycle (LT-Net, λ1 = 10, λ2 = 3) add their terms. Teacher
fields are computed once (the teach code) and reused. The best model on the held-out subjects is kept in
MODEL_DIR (model.json, weights.bin, student.onnx) with log.csv, validation.csv and checkpoint/.
Use it with: labelwarp segment … --engine student --model MODEL_DIR`,
  options: STUDENT_TRAIN_OPTIONS,
  // The training code (and TensorFlow.js with it) loads only when a training starts.
  train: async (inputs, o) => (await import('./train.js')).trainStudent(inputs, o),
  teacher: gnTeacher,
  // Fields for the training and the validating scans (the rest of the held-out ones are never read).
  teacherSubjects: (o, labelled) => {
    const s = splitSubjects(labelled, o);
    return [...s.training, ...s.validation];
  },
  stepCycle: (o) => o.criticEvery,
};
