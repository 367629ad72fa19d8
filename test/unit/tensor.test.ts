import { describe, expect, it, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initTensorBackend } from '../../core/tensor/backend.js';
import { warpOp } from '../../core/tensor/warp-op.js';
import { warpTrilinear } from '../../core/kernels/warp.js';
import { jacobianDeterminantOp, foldingPenalty } from '../../core/tensor/jacobian-op.js';
import { jacobianDeterminantIndex } from '../../core/kernels/jacobian.js';

beforeAll(async () => {
  await initTensorBackend();
});

/** Central finite differences of a scalar function of one tensor's values, at some entries. */
function finiteDifference(f: (x: Float32Array) => number, x: Float32Array, entries: number[], h = 1e-2): number[] {
  return entries.map((i) => {
    const p = Float32Array.from(x);
    const m = Float32Array.from(x);
    p[i] += h;
    m[i] -= h;
    return (f(p) - f(m)) / (2 * h);
  });
}

function rand(n: number, seed: number): Float32Array {
  let s = seed;
  return Float32Array.from({ length: n }, () => (s = (s * 16807) % 2147483647) / 2147483647 - 0.5);
}

describe('tensor backend', () => {
  it('selects and reports a backend (never wasm)', async () => {
    const b = await initTensorBackend();
    expect(['cpu', 'tensorflow']).toContain(b.name);
    expect(tf.getBackend()).toBe(b.name);
    expect(b.description).toMatch(/cpu|tensorflow/);
  });

  it('registers the Conv3DBackpropInputV2 gradient (conv3dTranspose), matching finite differences', () => {
    const dyShape: [number, number, number, number, number] = [1, 3, 3, 2, 2];
    const fShape: [number, number, number, number, number] = [2, 2, 2, 3, 2]; // [d,h,w,outC,inC]
    const outShape: [number, number, number, number, number] = [1, 6, 6, 4, 3];
    const dyV = rand(36, 3);
    const fV = rand(48, 5);
    const w = rand(6 * 6 * 4 * 3, 7);
    const lossOf = (dy: Float32Array, f: Float32Array) =>
      tf.tidy(
        () =>
          tf
            .sum(
              tf.mul(tf.conv3dTranspose(tf.tensor5d(dy, dyShape), tf.tensor5d(f, fShape), outShape, 2, 'same'), tf.tensor5d(w, outShape)),
            )
            .dataSync()[0],
      );
    const before = tf.memory().numTensors;
    const [gDy, gF] = tf.tidy(() => {
      const g = tf.grads((dy: tf.Tensor, f: tf.Tensor) =>
        tf.sum(tf.mul(tf.conv3dTranspose(dy as tf.Tensor5D, f as tf.Tensor5D, outShape, 2, 'same'), tf.tensor5d(w, outShape))),
      )([tf.tensor5d(dyV, dyShape), tf.tensor5d(fV, fShape)]);
      return g.map((t) => t.dataSync().slice());
    });
    expect(tf.memory().numTensors).toBe(before);
    const entries = [0, 5, 17, 35];
    finiteDifference((x) => lossOf(x, fV), dyV, entries).forEach((fd, i) => expect(gDy[entries[i]]).toBeCloseTo(fd, 2));
    const fe = [0, 11, 30, 47];
    finiteDifference((x) => lossOf(dyV, x), fV, fe).forEach((fd, i) => expect(gF[fe[i]]).toBeCloseTo(fd, 2));
  });

  it('registers the GatherNd gradient (duplicates add up), matching finite differences', () => {
    const pV = rand(12, 11);
    const idx = [
      [0, 1],
      [2, 2],
      [0, 1],
      [3, 0],
    ];
    const w = rand(4, 13);
    const lossOf = (p: Float32Array) =>
      tf.tidy(() => tf.sum(tf.mul(tf.gatherND(tf.tensor2d(p, [4, 3]), tf.tensor2d(idx, [4, 2], 'int32')), tf.tensor1d(w))).dataSync()[0]);
    const g = tf.tidy(() =>
      tf
        .grad((p: tf.Tensor) => tf.sum(tf.mul(tf.gatherND(p, tf.tensor2d(idx, [4, 2], 'int32')), tf.tensor1d(w))))(tf.tensor2d(pV, [4, 3]))
        .dataSync()
        .slice(),
    );
    const all = Array.from({ length: 12 }, (_, i) => i);
    finiteDifference(lossOf, pV, all).forEach((fd, i) => expect(g[i]).toBeCloseTo(fd, 3));
    expect(g[1]).toBeCloseTo(w[0] + w[2], 5);
  });

  it('the typed-array warp op matches the kernel, has correct gradients and leaks no tensors', () => {
    const [nz, ny, nx] = [5, 6, 7];
    const n = nx * ny * nz;
    const img = rand(n, 17).map((v) => v + 0.5);
    const disp = rand(3 * n, 19).map((v) => v * 2.2 + 0.013);
    const w = rand(n, 23);
    const before = tf.memory().numTensors;
    const { value, gImg, gDisp } = tf.tidy(() => {
      const I = tf.tensor3d(img, [nz, ny, nx]);
      const D = tf.tensor4d(disp, [nz, ny, nx, 3]);
      const W = tf.tensor3d(w, [nz, ny, nx]);
      const out = warpOp(I, D);
      const [gi, gd] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(warpOp(a as tf.Tensor3D, b as tf.Tensor4D), W)))([I, D]);
      return { value: out.dataSync().slice(), gImg: gi.dataSync().slice(), gDisp: gd.dataSync().slice() };
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(Array.from(value)).toEqual(Array.from(warpTrilinear(img, [nx, ny, nz], disp)));
    const lossD = (d: Float32Array) => warpTrilinear(img, [nx, ny, nz], d).reduce((s, v, i) => s + v * w[i], 0);
    const entries = [1, 50, 200, 333, 601].filter((e) => Math.abs(disp[e] - Math.round(disp[e])) > 0.02);
    finiteDifference(lossD, disp, entries, 1e-3).forEach((fd, i) => expect(gDisp[entries[i]]).toBeCloseTo(fd, 2));
    const lossI = (im: Float32Array) => warpTrilinear(im, [nx, ny, nz], disp).reduce((s, v, i) => s + v * w[i], 0);
    finiteDifference(lossI, img, [3, 77, 150]).forEach((fd, i) => expect(gImg[[3, 77, 150][i]]).toBeCloseTo(fd, 3));
  });
});

describe('Jacobian determinant op', () => {
  it('matches the metrics kernel, has the gradient of finite differences and leaks no tensors', () => {
    const [nz, ny, nx] = [4, 5, 6];
    const n = nx * ny * nz;
    const u = rand(3 * n, 29).map((v) => v * 1.8);
    const w = rand(n, 31);
    const before = tf.memory().numTensors;
    const { det, grad, penaltyGrad } = tf.tidy(() => {
      const U = tf.tensor4d(u, [nz, ny, nx, 3]);
      const W = tf.tensor3d(w, [nz, ny, nx]);
      const g = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(jacobianDeterminantOp(x as tf.Tensor4D), W)))(U);
      const pg = tf.grad((x: tf.Tensor) => foldingPenalty(x as tf.Tensor4D, 0.1))(U);
      return { det: jacobianDeterminantOp(U).dataSync().slice(), grad: g.dataSync().slice(), penaltyGrad: pg.dataSync().slice() };
    });
    expect(tf.memory().numTensors).toBe(before);
    const ref = jacobianDeterminantIndex(u, [nx, ny, nz]);
    for (let v = 0; v < n; v++) expect(det[v]).toBeCloseTo(ref[v], 5);
    expect(ref.some((d) => d <= 0)).toBe(true);
    const lossOf = (x: Float32Array) => jacobianDeterminantIndex(x, [nx, ny, nz]).reduce((s, d, v) => s + d * w[v], 0);
    const entries = [0, 5, 37, 150, 301, 359];
    finiteDifference(lossOf, u, entries, 1e-2).forEach((fd, i) => expect(grad[entries[i]]).toBeCloseTo(fd, 3));
    const penaltyOf = (x: Float32Array) => jacobianDeterminantIndex(x, [nx, ny, nz]).reduce((s, d) => s + Math.max(0, 0.1 - d), 0) / n;
    // The hinge has kinks: compare where no determinant the entry moves is near 0.1.
    const smooth = entries.filter((e) => {
      const p = Float32Array.from(u);
      const m = Float32Array.from(u);
      p[e] += 1e-3;
      m[e] -= 1e-3;
      const a = jacobianDeterminantIndex(p, [nx, ny, nz]);
      const b = jacobianDeterminantIndex(m, [nx, ny, nz]);
      return a.every((d, v) => d > 0.1 === b[v] > 0.1);
    });
    expect(smooth.length).toBeGreaterThan(2);
    finiteDifference(penaltyOf, u, smooth, 1e-3).forEach((fd, i) => expect(penaltyGrad[smooth[i]]).toBeCloseTo(fd, 4));
    expect(penaltyGrad.some((g) => g !== 0)).toBe(true);
  });
});
