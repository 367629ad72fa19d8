import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initTensorBackend } from '../../core/tensor/backend.js';
import {
  correlationLoss,
  criticLoss,
  cycleTerms,
  discriminationLoss,
  foldingLoss,
  gradientPenalty,
  inverseConsistencyLoss,
  jacobianDeterminant5,
  labelLoss,
  reconstructionLoss,
  smoothnessLoss,
  teacherLoss,
} from '../../core/engines/student/losses.js';
import { discriminatorForward, discriminatorLayers, studentForward, studentLayers, upsample2 } from '../../core/engines/student/network.js';
import { ParamSet } from '../../core/engines/student/params.js';

type T5 = tf.Tensor5D;
const S = 8; // tiny volume: 8³

function smoothVolume(seed: number, channels: number, amplitude: number): T5 {
  return tf.tidy(() => {
    const coarse = tf.randomUniform([1, S / 2, S / 2, S / 2, channels], -amplitude, amplitude, 'float32', seed) as T5;
    return upsample2(coarse);
  });
}

/** Central finite differences of f at a few entries of x against tf.grad. */
function checkGradient(f: (x: T5) => tf.Scalar, x: T5, entries = [3, 100, 777, 1200], eps = 5e-3): void {
  const analytic = tf.tidy(
    () =>
      tf
        .grad((t: tf.Tensor) => f(t as T5))(x)
        .dataSync() as Float32Array,
  );
  const base = x.dataSync() as Float32Array;
  for (const e of entries.filter((i) => i < base.length)) {
    const at = (d: number) =>
      tf.tidy(() => {
        const v = base.slice();
        v[e] += d;
        return f(tf.tensor(v, x.shape) as T5).dataSync()[0];
      });
    const numeric = (at(eps) - at(-eps)) / (2 * eps);
    expect(Math.abs(analytic[e] - numeric)).toBeLessThan(2e-2 * Math.max(1e-2, Math.abs(numeric)) + 2e-4);
  }
}

describe('student losses: gradients on a tiny volume', () => {
  beforeAll(async () => {
    await initTensorBackend();
  });

  it('reconstruction (1 − correlation of the warped template and the scan)', () => {
    const template = smoothVolume(1, 1, 1);
    const scan = smoothVolume(2, 1, 1);
    const disp = smoothVolume(3, 3, 0.8);
    checkGradient((d) => reconstructionLoss(template, scan, d), disp);
    expect(correlationLoss(scan, scan).dataSync()[0]).toBeCloseTo(0, 5);
    tf.dispose([template, scan, disp]);
  });

  it('distillation, folding, smoothness, inverse consistency', () => {
    const teacher = smoothVolume(4, 3, 1);
    const disp = smoothVolume(5, 3, 1.5);
    const back = smoothVolume(6, 3, 1);
    checkGradient((d) => teacherLoss(d, teacher), disp);
    checkGradient((d) => foldingLoss(d, 0.3), disp);
    checkGradient((d) => smoothnessLoss(d), disp);
    checkGradient((d) => inverseConsistencyLoss(d, back), disp);
    checkGradient((b) => inverseConsistencyLoss(disp, b), back);
    tf.dispose([teacher, disp, back]);
  });

  it("labels (1 − soft Dice of the warped template labels against the scan's)", () => {
    const templateLabels = tf.tidy(() => tf.sigmoid(tf.mul(smoothVolume(11, 2, 1), 4)) as T5);
    const scanLabels = tf.tidy(() => tf.sigmoid(tf.mul(smoothVolume(12, 2, 1), 4)) as T5);
    const disp = smoothVolume(13, 3, 1);
    checkGradient((d) => labelLoss(templateLabels, scanLabels, d), disp);
    const zero = tf.zerosLike(disp) as T5;
    // Identical label maps and no motion: the soft Dice of a map with itself.
    const self = labelLoss(templateLabels, templateLabels, zero).dataSync()[0];
    expect(self).toBeLessThan(labelLoss(templateLabels, scanLabels, zero).dataSync()[0]);
    tf.dispose([templateLabels, scanLabels, disp, zero]);
  });

  it('det J of a known linear field', () => {
    // u = (0.5 x, 0, −0.2 z) in voxels: det = 1.5 · 1 · 0.8 = 1.2 everywhere.
    const d = tf.tidy(() => {
      const z = tf.reshape(tf.range(0, S), [1, S, 1, 1, 1]);
      const x = tf.reshape(tf.range(0, S), [1, 1, 1, S, 1]);
      const ones = tf.ones([1, S, S, S, 1]);
      return tf.concat([tf.mul(ones, tf.mul(x, 0.5)), tf.zeros([1, S, S, S, 1]), tf.mul(ones, tf.mul(z, -0.2))], 4) as T5;
    });
    const det = jacobianDeterminant5(d).dataSync();
    for (const v of det) expect(v).toBeCloseTo(1.2, 5);
    d.dispose();
  });

  it('LT-Net cycle terms (image L1, robust transformation cycle, anatomy Dice)', () => {
    const template = smoothVolume(7, 1, 1);
    const labels = tf.tidy(() => tf.sigmoid(tf.mul(smoothVolume(8, 2, 1), 4)) as T5);
    const fwd = smoothVolume(9, 3, 1);
    const bwd = smoothVolume(10, 3, 1);
    checkGradient((u) => cycleTerms(template, labels, u, bwd).image, fwd, [5, 300, 900]);
    checkGradient((v) => cycleTerms(template, labels, fwd, v).transformation, bwd, [5, 300, 900]);
    checkGradient((v) => cycleTerms(template, labels, fwd, v).anatomy, bwd, [5, 300, 900]);
    tf.dispose([template, labels, fwd, bwd]);
  });

  it('discrimination and gradient penalty, also with respect to the discriminator weights', () => {
    const D = new ParamSet(discriminatorLayers([4, 4, 4, 4, 4]), undefined, 3, 0.3);
    const critic = (f: T5) => discriminatorForward(f, D.get, [4, 4, 4, 4, 4]);
    const student = smoothVolume(11, 3, 1);
    const teacher = smoothVolume(12, 3, 1);
    checkGradient((s) => discriminationLoss(critic, s, teacher), student);
    checkGradient((s) => gradientPenalty(critic, s, teacher, 0.5, 10), student);
    // Through the weights (double backprop for the penalty): directional derivatives against
    // differences, on the fifth layer (in earlier layers a perturbation flips ReLUs feeding the
    // input gradient, which differences see as jumps).
    const w = D.variables.get('d5.w')!;
    const original = w.clone();
    const loss = () => criticLoss(critic, student, teacher, 0.5, 10);
    const grad = tf.variableGrads(loss, [w]).grads[w.name];
    for (const seed of [1, 2]) {
      const dir = tf.randomNormal(w.shape, 0, 1, 'float32', seed);
      const analytic = tf.sum(tf.mul(grad, dir)).dataSync()[0];
      const at = (d: number) => {
        w.assign(tf.tidy(() => tf.add(original, tf.mul(dir, d))));
        return tf.tidy(() => loss().dataSync()[0]);
      };
      const numeric = (at(3e-3) - at(-3e-3)) / 6e-3;
      expect(Math.abs(analytic - numeric)).toBeLessThan(0.02 * Math.abs(numeric) + 1e-4);
      dir.dispose();
    }
    grad.dispose();
    w.assign(original);
    tf.dispose([student, teacher, original]);
    D.dispose();
  });

  it('the student maps a 2-channel grid to a 3-channel field of the same size', () => {
    const P = new ParamSet(studentLayers());
    const out = tf.tidy(() => studentForward(tf.randomNormal([1, 16, 32, 16, 2]) as T5, P.get));
    expect(out.shape).toEqual([1, 16, 32, 16, 3]);
    out.dispose();
    P.dispose();
  });
});
