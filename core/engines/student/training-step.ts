/**
 * One training iteration of the student (and, every few, of the discriminator), as tensors:
 * L = γ·l_rec + (1 − γ)·(D(φs) − D(φt))² + w_t·distillation + w_f·folding + w_s·smoothness
 *     [+ w_ic·(inverse consistency + backward l_rec)]            (--inverse-consistency)
 *     [+ λ1·image cycle + λ2·(transformation cycle + anatomy Dice)] (--cycle, backward network)
 *     [+ w_l·(1 − soft Dice of the warped template labels and the scan's)]  (--label-weight, labelled scans)
 * Returns the terms as numbers; leaves no tensors behind.
 */
import * as tf from '@tensorflow/tfjs';
import { discriminatorForward, studentForward } from './network.js';
import type { StudentArchitecture } from './network.js';
import type { ParamSet } from './params.js';
import type { GradientApplier } from '../../tensor/variable-adam.js';
import {
  criticLoss,
  cycleTerms,
  discriminationLoss,
  foldingLoss,
  inverseConsistencyLoss,
  labelLoss,
  reconstructionLoss,
  smoothnessLoss,
  teacherLoss,
  warp5,
} from './losses.js';

type T5 = tf.Tensor5D;

export interface LossWeights {
  gamma: number;
  gpLambda: number;
  beta: number;
  teacher: number;
  folding: number;
  foldingTau: number;
  smoothness: number;
  inverseConsistency: number;
  cycleImage: number;
  cycleOther: number;
  /** Weight of the label term (0: the scan's labels are not used). */
  labels: number;
}

export interface Nets {
  arch: StudentArchitecture;
  student: ParamSet;
  critic: ParamSet;
  /** The backward network of the LT-Net cycle. */
  backward?: ParamSet;
  optStudent: GradientApplier;
  optCritic: GradientApplier;
}

export interface StepData {
  dims: [number, number, number];
  template: Float32Array;
  scan: Float32Array;
  teacher: Float32Array;
  /** One-hot template labels (classes without background), for the cycle's anatomy term. */
  templateOneHot?: Float32Array;
  /** One-hot scan labels (same classes), for the label term. */
  scanOneHot?: Float32Array;
  classes: number;
}

export type Terms = Record<string, number>;

/**
 * The field averaged over 2×2×2 blocks, by reshapes and sums (tfjs has no second derivative of
 * avgPool3d, which the gradient penalty needs).
 */
export function halve(f: T5): T5 {
  const [, nz, ny, nx, c] = f.shape;
  const blocks = tf.reshape(f, [nz / 2, 2, ny / 2, 2, nx / 2, 2 * c]);
  const summed = tf.sum(tf.reshape(tf.sum(blocks, [1, 3]), [nz / 2, ny / 2, nx / 2, 2, c]), 3);
  return tf.reshape(tf.mul(summed, 1 / 8), [1, nz / 2, ny / 2, nx / 2, c]);
}

/** The discriminator sees the field at half size (the paper's scaled deformation). */
export function criticOf(nets: Nets): (f: T5) => tf.Tensor1D {
  const channels = nets.critic.layers.slice(0, -1).map((l) => l.outChannels);
  return (f: T5) => discriminatorForward(halve(f), nets.critic.get, channels);
}

export function trainingStep(
  nets: Nets,
  data: StepData,
  w: LossWeights,
  updateCritic: boolean,
  options: { ic: boolean; cycle: boolean },
): Terms {
  const [nx, ny, nz] = data.dims;
  const terms: Terms = {};
  const critic = criticOf(nets);
  const useCritic = w.gamma < 1;
  tf.tidy(() => {
    const template = tf.tensor5d(data.template, [1, nz, ny, nx, 1]);
    const scan = tf.tensor5d(data.scan, [1, nz, ny, nx, 1]);
    const teacher = tf.tensor5d(data.teacher, [1, nz, ny, nx, 3]);
    const input = tf.concat([template, scan], 4) as T5;
    const templateLabels = data.templateOneHot ? tf.tensor5d(data.templateOneHot, [1, nz, ny, nx, data.classes]) : undefined;
    const record: [string, tf.Scalar][] = [];
    const vars = [...nets.student.list(), ...(options.cycle && nets.backward ? nets.backward.list() : [])];
    const { value, grads } = tf.variableGrads(() => {
      const phi = studentForward(input, nets.student.get, nets.arch);
      const rec = reconstructionLoss(template, scan, phi);
      const parts: [string, number, tf.Scalar][] = [
        ['rec', w.gamma, rec],
        ['teacher', w.teacher, teacherLoss(phi, teacher)],
        ['fold', w.folding, foldingLoss(phi, w.foldingTau)],
        ['smooth', w.smoothness, smoothnessLoss(phi)],
      ];
      if (w.labels > 0 && templateLabels && data.scanOneHot) {
        const scanLabels = tf.tensor5d(data.scanOneHot, [1, nz, ny, nx, data.classes]);
        parts.push(['labels', w.labels, labelLoss(templateLabels, scanLabels, phi)]);
      }
      if (useCritic) {
        // The gradient penalty regularises the discriminator (its own loss below); in the
        // student's loss it would cost a second-order pass for a term that barely depends on φs.
        parts.push(['dis', 1 - w.gamma, discriminationLoss(critic, phi, teacher)]);
      }
      if (options.ic) {
        const back = studentForward(tf.concat([scan, template], 4) as T5, nets.student.get, nets.arch);
        parts.push(['ic', w.inverseConsistency, inverseConsistencyLoss(phi, back)]);
        parts.push(['rec_back', w.inverseConsistency, reconstructionLoss(scan, template, back)]);
      }
      if (options.cycle && nets.backward && templateLabels) {
        const warped = warp5(template, phi);
        const back = studentForward(tf.concat([scan, warped], 4) as T5, nets.backward.get, nets.arch);
        const c = cycleTerms(template, templateLabels, phi, back);
        parts.push(['cyc_image', w.cycleImage, c.image]);
        parts.push(['cyc_trans', w.cycleOther, c.transformation]);
        parts.push(['cyc_anatomy', w.cycleOther, c.anatomy]);
      }
      for (const [name, , t] of parts) record.push([name, tf.keep(t)]);
      return tf.addN(parts.filter(([, k]) => k !== 0).map(([, k, t]) => tf.mul(t, k))) as tf.Scalar;
    }, vars);
    nets.optStudent.applyGradients(grads);
    terms.loss = value.dataSync()[0];
    for (const [name, t] of record) {
      terms[name] = t.dataSync()[0];
      t.dispose();
    }
    if (useCritic && updateCritic) {
      const phi = studentForward(input, nets.student.get, nets.arch);
      // The penalty, kept for the log, escapes every tidy: disposed here whatever happens.
      let penalty: tf.Scalar | undefined;
      try {
        const d = tf.variableGrads(() => criticLoss(critic, phi, teacher, w.beta, w.gpLambda, (p) => (penalty = p)), nets.critic.list());
        nets.optCritic.applyGradients(d.grads);
        terms.critic = d.value.dataSync()[0];
        if (penalty) terms.gp = penalty.dataSync()[0];
      } finally {
        penalty?.dispose();
      }
    }
  });
  return terms;
}
