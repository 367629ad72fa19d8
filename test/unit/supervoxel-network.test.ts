import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initTensorBackend } from '../../core/tensor/backend.js';
import { depthwiseConv3d, groupedConv1x1 } from '../../core/tensor/grouped-conv.js';
import { ParamSet } from '../../core/engines/student/params.js';
import { parameterCount } from '../../core/engines/student/network.js';
import { SUPERVOXEL_ARCHITECTURE, groupedLogSoftmax, supervoxelForward, supervoxelLayers } from '../../core/engines/supervoxel/network.js';
import { classBins, foldingMatrix, predictFeatures } from '../../core/engines/supervoxel/features.js';
import { supervoxelOnnx } from '../../core/engines/supervoxel/onnx-export.js';
import { onnxFeatureRuntime, tfjsFeatureRuntime } from '../../core/engines/supervoxel/runtime.js';
import { groupedCrossEntropy, trainingStep } from '../../core/engines/supervoxel/training-step.js';
import type { Vec3 } from '../../core/volume/volume.js';

const arch = SUPERVOXEL_ARCHITECTURE;

describe('supervoxel network', () => {
  beforeAll(async () => {
    await initTensorBackend();
  });

  it('depthwise 3D convolution equals one conv3d per channel (stride 1, 2; dilation 2), with matching gradients', () => {
    tf.tidy(() => {
      const x = tf.randomNormal([1, 6, 4, 8, 3], 0, 1, 'float32', 1) as tf.Tensor5D;
      const w = tf.randomNormal([3, 3, 3, 1, 3], 0, 1, 'float32', 2) as tf.Tensor5D;
      const reference = (xx: tf.Tensor5D, ww: tf.Tensor5D, stride: 1 | 2, dilation: number) =>
        tf.concat(
          [0, 1, 2].map((c) =>
            tf.conv3d(
              tf.slice(xx, [0, 0, 0, 0, c], [-1, -1, -1, -1, 1]),
              tf.slice(ww, [0, 0, 0, 0, c], [-1, -1, -1, -1, 1]) as tf.Tensor5D,
              stride,
              'same',
              'NDHWC',
              dilation,
            ),
          ),
          4,
        );
      for (const [stride, dilation] of [
        [1, 1],
        [2, 1],
        [1, 2],
      ] as const) {
        const a = depthwiseConv3d(x, w, stride, dilation);
        const b = reference(x, w, stride, dilation);
        expect(a.shape).toEqual(b.shape);
        expect(tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]).toBeLessThan(1e-4);
        const g = tf.randomNormal(a.shape, 0, 1, 'float32', 3);
        const loss = (xx: tf.Tensor, ww: tf.Tensor) =>
          tf.sum(tf.mul(depthwiseConv3d(xx as tf.Tensor5D, ww as tf.Tensor5D, stride, dilation), g));
        const ga = tf.grads(loss)([x, w]);
        if (dilation === 1) {
          const gb = tf.grads((xx: tf.Tensor, ww: tf.Tensor) =>
            tf.sum(tf.mul(reference(xx as tf.Tensor5D, ww as tf.Tensor5D, stride, dilation), g)),
          )([x, w]);
          for (let i = 0; i < 2; i++) expect(tf.max(tf.abs(tf.sub(ga[i], gb[i]))).dataSync()[0]).toBeLessThan(1e-3);
        } else {
          // tfjs has no gradient for dilated conv3d: central differences on a few entries.
          const h = 1e-2;
          for (const [which, index] of [
            [0, 17],
            [1, 40],
          ] as const) {
            const base = [x, w][which];
            const bump = (e: number) => {
              const d = base.dataSync().slice();
              d[index] += e;
              const args = [x, w];
              args[which] = tf.tensor(d, base.shape) as tf.Tensor5D;
              return loss(args[0], args[1]).dataSync()[0];
            };
            expect(ga[which].dataSync()[index]).toBeCloseTo((bump(h) - bump(-h)) / (2 * h), 2);
          }
        }
      }
      // Grouped 1×1: group g only sees its own inputs.
      const xg = tf.randomNormal([1, 2, 2, 2, 4], 0, 1, 'float32', 4) as tf.Tensor5D;
      const wg = tf.randomNormal([1, 1, 1, 2, 6], 0, 1, 'float32', 5) as tf.Tensor5D;
      const y = groupedConv1x1(xg, wg, 2);
      const y1 = tf.conv3d(
        tf.slice(xg, [0, 0, 0, 0, 2], [-1, -1, -1, -1, 2]),
        tf.slice(wg, [0, 0, 0, 0, 3], [-1, -1, -1, -1, 3]) as tf.Tensor5D,
        1,
        'same',
      );
      expect(tf.max(tf.abs(tf.sub(tf.slice(y, [0, 0, 0, 0, 3], [-1, -1, -1, -1, 3]), y1))).dataSync()[0]).toBeLessThan(1e-4);
    });
  });

  it('has a MobileNetV2 backbone of about 220k weights and a 16 × 128 head at half resolution whose groups each sum to one', () => {
    const layers = supervoxelLayers();
    expect(parameterCount(layers.filter((l) => /^b\d/.test(l.name)))).toBeGreaterThan(200_000);
    expect(parameterCount(layers.filter((l) => /^b\d/.test(l.name)))).toBeLessThan(240_000);
    const net = new ParamSet(layers, undefined, 3, 0.5);
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      const x = tf.randomNormal([1, 8, 12, 16, 1], 0, 1, 'float32', 6) as tf.Tensor5D;
      const scores = supervoxelForward(x, net.get);
      expect(scores.shape).toEqual([1, 4, 6, 8, 16 * 128]);
      const p = tf.exp(groupedLogSoftmax(scores, 128));
      expect(p.shape).toEqual([4 * 6 * 8, 16, 128]);
      const sums = tf.sum(p, 2).dataSync();
      for (const s of sums) expect(s).toBeCloseTo(1, 4);
      // Features: each layer's bins sum to one too; chunked or not, the same values.
      const bins = 16;
      const folding = foldingMatrix(classBins(16, 128, bins, 9), 16, 128, bins);
      const f4 = predictFeatures(x, net.get, arch, folding, bins, 4);
      const f16 = predictFeatures(x, net.get, arch, folding, bins, 16);
      expect(f4.length).toBe(4 * 6 * 8 * 16 * bins);
      for (let i = 0; i < f4.length; i++) expect(Math.abs(f4[i] - f16[i])).toBeLessThan(1e-5);
      for (let r = 0; r < f4.length / bins; r++) expect(f4.subarray(r * bins, (r + 1) * bins).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
    });
    expect(tf.memory().numTensors).toBe(before);
    net.dispose();
  });

  it('ONNX Runtime and tfjs give the same features', async () => {
    const net = new ParamSet(supervoxelLayers(), undefined, 5, 0.5);
    const grid: Vec3 = [16, 12, 8];
    const n = grid[0] * grid[1] * grid[2];
    const bins = 16;
    const folding = foldingMatrix(classBins(16, 128, bins, 2), 16, 128, bins);
    const image = Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37) + 0.3 * Math.cos(i * 0.011));
    const ort = await onnxFeatureRuntime(supervoxelOnnx(net, arch, grid, folding, bins), grid);
    const ref = await tfjsFeatureRuntime(net, arch, grid, folding, bins);
    const before = tf.memory().numTensors;
    const a = await ort.run(image);
    const b = await ref.run(image);
    expect(tf.memory().numTensors).toBe(before);
    expect(a.length).toBe((n / 8) * 16 * bins);
    let maxDiff = 0;
    let spread = 0;
    for (let i = 0; i < a.length; i++) {
      maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
      spread = Math.max(spread, b[i]);
    }
    expect(spread).toBeGreaterThan(0.1); // not uniform: the comparison means something
    expect(maxDiff).toBeLessThan(1e-4);
    ort.dispose();
    net.dispose();
  });

  it('cross-entropy has the gradient softmax − one-hot; training lowers the loss, chunked or not, with a stable tensor count', () => {
    const s = tf.tensor2d([
      [1, 2, 0.5],
      [0, -1, 3],
    ]);
    const g = tf.grad((x: tf.Tensor) => groupedCrossEntropy(x, Int32Array.from([1, 2]), 3, 2))(s);
    const expected = tf.tidy(() => tf.div(tf.sub(tf.softmax(s), tf.oneHot([1, 2], 3)), 2));
    expect(tf.max(tf.abs(tf.sub(g, expected))).dataSync()[0]).toBeLessThan(1e-6);
    tf.dispose([s, g, expected]);

    const grid: Vec3 = [8, 8, 8];
    const image = Float32Array.from({ length: 512 }, (_, i) => Math.sin(i * 0.1));
    const targets = Uint8Array.from({ length: 16 * 64 }, (_, i) => (i * 7) % 128);
    const losses: number[][] = [];
    for (const chunk of [16, 4]) {
      const net = new ParamSet(supervoxelLayers(), undefined, 1, 0.05);
      const opt = tf.train.sgd(0.5);
      const l = [trainingStep(net, opt, arch, grid, { image, targets }, chunk)]; // the optimiser's own state is made here
      const before = tf.memory().numTensors;
      for (let i = 0; i < 2; i++) l.push(trainingStep(net, opt, arch, grid, { image, targets }, chunk));
      expect(tf.memory().numTensors).toBe(before);
      losses.push(l);
      opt.dispose();
      net.dispose();
    }
    expect(losses[0][2]).toBeLessThan(losses[0][0]);
    // The chunked gradient is the same gradient: the same losses step by step.
    for (let i = 0; i < 3; i++) expect(losses[1][i]).toBeCloseTo(losses[0][i], 3);
  });
});
