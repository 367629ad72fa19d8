import { describe, expect, it, beforeAll } from 'vitest';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initTensorBackend } from '../../core/tensor/backend.js';
import { solveOp, gnUpdateOp } from '../../core/tensor/solve-op.js';
import { gnTermsOp } from '../../core/tensor/gn-terms-op.js';
import { applySystem, solveNormalEquations } from '../../core/registration/linear-solve.js';
import { registerGaussNewton, solveAndUpdate, foregroundMask } from '../../core/registration/gauss-newton.js';
import { blockAveragePair, mindPair, shared, stepTermsParallel } from '../../core/parallel/kernel-pool.js';
import { blockAverage } from '../../core/kernels/pyramid.js';
import type { StepTermsData } from '../../core/registration/gn-step-terms.js';
import { stepScale } from '../../core/registration/step-limit.js';
import { jacobianDeterminantIndex } from '../../core/kernels/jacobian.js';
import { gaussNewtonUpdate } from '../../core/learned/differentiable-gn.js';
import { mindSsc, boxFilter3d } from '../../core/kernels/mind.js';
import { FeatureNet } from '../../core/learned/feature-net.js';
import { learnedFeatures } from '../../core/learned/learned-features.js';
import { saveFeatureModel, loadFeatureModel } from '../../core/engines/gn/model.js';
import { GN_OPTIONS, gaussNewtonSettings, mindFeatures } from '../../core/engines/gn/options.js';
import { defaultOptions } from '../../core/engines/options.js';
import { segmentScan } from '../../core/pipeline/segment.js';
import { readVolume } from '../../core/volume/io.js';
import { fromWorldFunction, grid, phantom, SHARED } from '../helpers/synthetic.js';
import type { Vec3 } from '../../core/volume/volume.js';

beforeAll(async () => {
  await initTensorBackend();
});

function rand(n: number, seed: number, lo = -0.5, hi = 0.5): Float32Array {
  let s = seed;
  return Float32Array.from({ length: n }, () => lo + (hi - lo) * ((s = (s * 16807) % 2147483647) / 2147483647));
}

/** Random symmetric positive semi-definite 3×3 blocks (as J Jᵀ). */
function randomBlocks(n: number, seed: number): Float32Array {
  const j = rand(n * 6, seed);
  const H = new Float32Array(6 * n);
  for (let v = 0; v < n; v++) {
    const a = [j[6 * v], j[6 * v + 1], j[6 * v + 2]];
    const b = [j[6 * v + 3], j[6 * v + 4], j[6 * v + 5]];
    const o = (p: number, q: number) => a[p] * a[q] + b[p] * b[q];
    H.set([o(0, 0), o(1, 1), o(2, 2), o(0, 1), o(0, 2), o(1, 2)], 6 * v);
  }
  return H;
}

const exact = { lambda: 0.3, delta: 0.05, tolerance: 1e-12, maxIterations: 500 };

function fd(f: (x: Float32Array) => number, x: Float32Array, i: number, h = 1e-2): number {
  const p = Float64Array.from(x);
  const m = Float64Array.from(x);
  p[i] += h;
  m[i] -= h;
  return (f(Float32Array.from(p)) - f(Float32Array.from(m))) / (2 * h);
}

describe('conjugate-gradient solve of (H + λL + δI)x = b', () => {
  it('solves the system (residual checked by applying the operator)', () => {
    const dims: Vec3 = [6, 5, 4];
    const n = 120;
    const H = randomBlocks(n, 3);
    const b = rand(3 * n, 5);
    const { x, stats } = solveNormalEquations(H, b, dims, exact);
    const Ax = new Float64Array(3 * n);
    applySystem(H, x, dims, exact.lambda, exact.delta, Ax);
    let err = 0;
    for (let i = 0; i < 3 * n; i++) err = Math.max(err, Math.abs(Ax[i] - b[i]));
    expect(err).toBeLessThan(1e-5);
    expect(stats.iterations).toBeGreaterThan(1);
  });

  it('its tfjs op has the gradient of the exact solve (backward solves the transposed system)', () => {
    const dims: Vec3 = [4, 3, 3];
    const n = 36;
    const H = randomBlocks(n, 7);
    const b = rand(3 * n, 9);
    const w = rand(3 * n, 11);
    const loss = (h: Float32Array, rhs: Float32Array) => {
      const { x } = solveNormalEquations(h, rhs, dims, exact);
      return x.reduce((s, v, i) => s + v * w[i], 0);
    };
    const before = tf.memory().numTensors;
    const [gH, gb] = tf.tidy(() =>
      tf
        .grads((h: tf.Tensor, r: tf.Tensor) =>
          tf.sum(tf.mul(solveOp(h as tf.Tensor2D, r as tf.Tensor2D, dims, exact), tf.tensor2d(w, [n, 3]))),
        )([tf.tensor2d(H, [n, 6]), tf.tensor2d(b, [n, 3])])
        .map((t) => t.dataSync().slice()),
    );
    expect(tf.memory().numTensors).toBe(before);
    for (const i of [0, 7, 50, 107])
      expect(gb[i]).toBeCloseTo(
        fd((x) => loss(H, x), b, i),
        3,
      );
    for (const i of [0, 4, 23, 101, 215])
      expect(gH[i]).toBeCloseTo(
        fd((x) => loss(x, b), H, i, 1e-3),
        3,
      );
  });

  it('the Gauss-Newton update op differentiates through H, g and u', () => {
    const dims: Vec3 = [4, 3, 3];
    const n = 36;
    const Hb = randomBlocks(n, 13);
    const g = rand(3 * n, 17);
    const T = new Float32Array(9 * n);
    for (let v = 0; v < n; v++) {
      T.set(Hb.subarray(6 * v, 6 * v + 6), 9 * v);
      T.set(g.subarray(3 * v, 3 * v + 3), 9 * v + 6);
    }
    const u = rand(3 * n, 19);
    const w = rand(3 * n, 23);
    const lossTf = (t: tf.Tensor, uu: tf.Tensor) =>
      tf.sum(tf.mul(gnUpdateOp(t as tf.Tensor2D, uu as tf.Tensor2D, dims, exact), tf.tensor2d(w, [n, 3])));
    const value = (t: Float32Array, uu: Float32Array) =>
      tf.tidy(() => lossTf(tf.tensor2d(t, [n, 9]), tf.tensor2d(uu, [n, 3])).dataSync()[0]);
    const [gT, gU] = tf.tidy(() =>
      tf
        .grads(lossTf)([tf.tensor2d(T, [n, 9]), tf.tensor2d(u, [n, 3])])
        .map((t) => t.dataSync().slice()),
    );
    for (const i of [0, 5, 6, 8, 40, 300])
      expect(gT[i]).toBeCloseTo(
        fd((x) => value(x, u), T, i, 1e-3),
        3,
      );
    for (const i of [0, 13, 77])
      expect(gU[i]).toBeCloseTo(
        fd((x) => value(T, x), u, i),
        3,
      );
  });

  it('the data-term op (JᵀJ, Jᵀr at x + u, interpolant derivative) matches finite differences in M, F and u', () => {
    const dims: Vec3 = [5, 4, 3];
    const n = 60;
    const C = 3;
    const M = rand(n * C, 29, 0, 1);
    const F = rand(n * C, 31, 0, 1);
    // Off the lattice points (the interpolant's kinks) by at least 0.05, some beyond the border (clamped).
    const u = rand(3 * n, 43, -1.3, 1.3).map((x) => (Math.abs(x - Math.round(x)) < 0.05 ? x + 0.1 : x));
    const mask = Uint8Array.from({ length: n }, (_, v) => (v % 7 === 3 ? 0 : 1));
    const w = rand(9 * n, 37);
    const lossTf = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) =>
      tf.sum(tf.mul(gnTermsOp(a as tf.Tensor2D, b as tf.Tensor2D, c as tf.Tensor2D, dims, 0.4, mask), tf.tensor2d(w, [n, 9])));
    const value = (a: Float32Array, b: Float32Array, c: Float32Array) =>
      tf.tidy(() => lossTf(tf.tensor2d(a, [n, C]), tf.tensor2d(b, [n, C]), tf.tensor2d(c, [n, 3])).dataSync()[0]);
    const before = tf.memory().numTensors;
    const [gM, gF, gU] = tf.tidy(() =>
      tf
        .grads(lossTf)([tf.tensor2d(M, [n, C]), tf.tensor2d(F, [n, C]), tf.tensor2d(u, [n, 3])])
        .map((t) => t.dataSync().slice()),
    );
    expect(tf.memory().numTensors).toBe(before);
    for (const i of [0, 11, 62, 100, 179]) {
      expect(gM[i]).toBeCloseTo(
        fd((x) => value(x, F, u), M, i),
        3,
      );
      expect(gF[i]).toBeCloseTo(
        fd((x) => value(M, x, u), F, i),
        3,
      );
    }
    let checked = 0;
    let clamped = 0;
    for (let i = 0; i < 3 * n; i++) {
      const v = Math.floor(i / 3);
      const a = i % 3;
      const pos = [v % 5, Math.floor(v / 5) % 4, Math.floor(v / 20)][a] + u[i];
      // Step 1e-3 must stay inside one cell and one side of the border.
      const size = dims[a];
      const frac = pos - Math.floor(pos);
      if (frac < 0.01 || frac > 0.99 || Math.abs(pos) < 0.01 || Math.abs(pos - (size - 1)) < 0.01) continue;
      if (pos < 0 || pos > size - 1) {
        expect(Math.abs(gU[i])).toBe(0);
        clamped++;
        continue;
      }
      if (!mask[v]) continue;
      expect(gU[i]).toBeCloseTo(
        fd((x) => value(M, F, x), u, i, 1e-3),
        2,
      );
      checked++;
    }
    expect(checked).toBeGreaterThan(60);
    expect(clamped).toBeGreaterThan(5);
  });

  it('inference and the differentiable op compute the same Gauss-Newton update (1e-5)', async () => {
    const g = grid([14, 12, 10], [2, 2, 2], [-13, -11, -9]);
    const fixed = fromWorldFunction(g, (x, y, z) => phantom(x + 1.5, y - 1, z + 0.5));
    const moving = fromWorldFunction(g, (x, y, z) => phantom(x, y, z));
    const dims = g.dims;
    const n = dims[0] * dims[1] * dims[2];
    const C = 12;
    const F = shared(mindSsc(fixed.data, dims));
    const M = shared(mindSsc(moving.data, dims));
    const mask = foregroundMask(fixed.data, moving.data, dims, 0.05);
    // A field part way through a registration, strong enough that the step limits act.
    const u = rand(3 * n, 47, -0.8, 0.8);
    const options = { lambda: 0.02, delta: 0.01, tolerance: 1e-3, maxIterations: 40 };
    const limit = { maxStep: 0.6, minJacobian: 0.5 };
    // Inference: the terms on the kernel pool, then the engine's solve and step.
    const step: StepTermsData = { F, M, C, dims, termScale: 1 / 12, mask, u, H: new Float32Array(6 * n), g: new Float32Array(3 * n) };
    const terms = await stepTermsParallel(step);
    const updated = Float32Array.from(u);
    solveAndUpdate(step.H, step.g, terms.residual, dims, updated, options.lambda, options.delta, options, limit);
    const before = tf.memory().numTensors;
    const update = (withLimit: boolean) =>
      tf.tidy(() =>
        gaussNewtonUpdate(tf.tensor2d(F, [n, C]), tf.tensor2d(M, [n, C]), tf.tensor2d(u, [n, 3]), dims, {
          lambda: options.lambda,
          delta: options.delta,
          cgTolerance: options.tolerance,
          cgIterations: options.maxIterations,
          termScale: 1 / 12,
          mask,
          limit: withLimit ? limit : undefined,
        }).dataSync(),
      );
    const du = update(true);
    const unlimited = update(false);
    expect(tf.memory().numTensors).toBe(before);
    let maxDiff = 0;
    let maxStep = 0;
    let limited = 0;
    for (let i = 0; i < 3 * n; i++) {
      maxDiff = Math.max(maxDiff, Math.abs(updated[i] - u[i] - du[i]));
      maxStep = Math.max(maxStep, Math.abs(du[i]));
      if (Math.abs(unlimited[i] - du[i]) > 1e-3) limited++;
    }
    expect(maxStep).toBeGreaterThan(0.05);
    expect(maxDiff).toBeLessThan(1e-5);
    // The step limits acted on some voxels (and identically on both paths).
    expect(limited).toBeGreaterThan(10);
  });

  it('fold-aware steps do not fold where the plain step would, and leave smooth steps alone', () => {
    const dims: Vec3 = [12, 10, 8];
    const n = 960;
    const u = new Float32Array(3 * n);
    // A step that pushes i = 4, 5 right and i = 6, 7 left by 1.4 voxels (det J = −0.4 at i = 5, 6), and a gentle shift in y.
    const du = new Float32Array(3 * n);
    for (let v = 0; v < n; v++) {
      const i = v % 12;
      du[3 * v] = i === 4 || i === 5 ? 1.4 : i === 6 || i === 7 ? -1.4 : 0;
      du[3 * v + 1] = 0.3;
    }
    const folds = (s: Float32Array) => {
      const w = Float32Array.from(du, (d, i) => u[i] + s[Math.floor(i / 3)] * d);
      return Array.from(jacobianDeterminantIndex(w, dims)).filter((d) => d <= 0).length;
    };
    const plain = stepScale(u, du, dims, { maxStep: 1.5 });
    expect(folds(plain)).toBeGreaterThan(0);
    const guarded = stepScale(u, du, dims, { maxStep: 1.5, minJacobian: 0.1 });
    expect(folds(guarded)).toBe(0);
    // Voxels away from the fold take the whole step.
    for (let v = 0; v < n; v++) if (v % 12 < 3 || v % 12 > 9) expect(guarded[v]).toBe(1);
    // The length limit: a 3-voxel step is cut to 1.5.
    const long = stepScale(new Float32Array(3), Float32Array.of(3, 0, 0), [1, 1, 1], { maxStep: 1.5 });
    expect(long[0]).toBeCloseTo(0.5, 6);
  });
});

describe('MIND-SSC', () => {
  it('is invariant to linear intensity changes and in [0, 1] with a 1 per voxel', () => {
    const g = grid([20, 18, 16], [1, 1, 1], [-10, -9, -8]);
    const img = fromWorldFunction(g, (x, y, z) => phantom(x * 2, y * 2, z * 2));
    const a = mindSsc(img.data, g.dims);
    const b = mindSsc(
      img.data.map((v) => 3 * v + 7),
      g.dims,
    );
    let maxDiff = 0;
    for (let i = 0; i < a.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
    expect(maxDiff).toBeLessThan(1e-3);
    for (let v = 0; v < 100; v++) {
      const ch = Array.from(a.subarray(12 * v, 12 * v + 12));
      expect(Math.max(...ch)).toBeCloseTo(1, 5);
      expect(Math.min(...ch)).toBeGreaterThanOrEqual(0);
    }
  });

  it('box filter averages a 3³ neighbourhood', () => {
    const d = new Float32Array(27 * 8).fill(0);
    const dims: Vec3 = [6, 6, 6];
    d[2 + 6 * (2 + 6 * 2)] = 27;
    boxFilter3d(d, dims, 1);
    expect(d[3 + 6 * (3 + 6 * 3)]).toBeCloseTo(1, 5);
    expect(d[4 + 6 * (4 + 6 * 4)]).toBeCloseTo(0, 5);
  });
});

describe('feature pyramid on two threads', () => {
  it('MIND of a pair and its pooling on two threads equal one thread, in shared memory', async () => {
    // Odd sizes: the last incomplete block along x and y is dropped, as in blockAverage.
    const g = grid([41, 37, 32], [1, 1, 1], [-20, -18, -16]);
    const a = fromWorldFunction(g, (x, y, z) => phantom(x * 2, y * 2, z * 2)).data;
    const b = fromWorldFunction(g, (x, y, z) => phantom(x * 2 + 3, y * 2, z * 2 - 1)).data;
    const [ma, mb] = await mindPair(a, b, g.dims, {});
    expect(Array.from(ma)).toEqual(Array.from(mindSsc(a, g.dims)));
    expect(Array.from(mb)).toEqual(Array.from(mindSsc(b, g.dims)));
    // Two threads wherever a second one may run (LABELWARP_THREADS=1 keeps one): then both halves
    // arrive in shared memory (the levels read them without a copy).
    const two = process.env.LABELWARP_THREADS !== '1';
    expect(ma.buffer instanceof SharedArrayBuffer).toBe(two);
    expect(mb.buffer instanceof SharedArrayBuffer).toBe(two);
    const f: Vec3 = [2, 2, 1];
    const pooled = await blockAveragePair(ma, mb, g, 12, f);
    const ra = blockAverage(ma, g, 12, f);
    const rb = blockAverage(mb, g, 12, f);
    expect(pooled.grid).toEqual(ra.grid);
    expect(Array.from(pooled.a)).toEqual(Array.from(ra.data));
    expect(Array.from(pooled.b)).toEqual(Array.from(rb.data));
    expect(pooled.b.buffer instanceof SharedArrayBuffer).toBe(two);
    // A wrong-sized output is refused rather than half written.
    expect(() => mindSsc(a, g.dims, {}, new Float32Array(5))).toThrow(/output has 5 values/);
    expect(() => mindSsc(a, g.dims, {}, undefined, 11)).toThrow(/stride of 11/);
    // With a stride of 13 (the intensity channel after MIND), MIND fills the first 12 of each voxel
    // with the same values, on one thread or two, and leaves the 13th to the caller.
    const [sa, sb] = await mindPair(a, b, g.dims, {}, 13);
    for (const [strided, plain] of [
      [sa, ma],
      [sb, mb],
    ]) {
      expect(strided.length).toBe(13 * a.length);
      for (let v = 0; v < a.length; v++) {
        expect(Array.from(strided.subarray(13 * v, 13 * v + 12))).toEqual(Array.from(plain.subarray(12 * v, 12 * v + 12)));
        expect(strided[13 * v + 12]).toBe(0);
      }
    }
    expect(sb.buffer instanceof SharedArrayBuffer).toBe(two);
  });

  it('the foreground mask is the threshold dilated by one voxel (26-neighbourhood)', () => {
    const dims: Vec3 = [7, 7, 7];
    const a = new Float32Array(343);
    const b = new Float32Array(343);
    a[3 + 7 * (3 + 7 * 3)] = 1;
    b[0] = 1;
    const m = foregroundMask(a, b, dims, 0.5);
    for (let k = 0; k < 7; k++)
      for (let j = 0; j < 7; j++)
        for (let i = 0; i < 7; i++) {
          const near = Math.max(Math.abs(i - 3), Math.abs(j - 3), Math.abs(k - 3)) <= 1 || Math.max(i, j, k) <= 1;
          expect(m[i + 7 * (j + 7 * k)]).toBe(near ? 1 : 0);
        }
  });
});

describe('Gauss-Newton registration', () => {
  it('pools a level whose factor is not a power of two as the halvings it takes (3: twice, as 4)', async () => {
    const g = grid([24, 24, 24], [2, 2, 2], [-24, -24, -24]);
    const moving = fromWorldFunction(g, (x, y, z) => phantom(x, y, z));
    const fixed = fromWorldFunction(g, (x, y, z) => phantom(x + 1, y, z));
    const defaults = defaultOptions(GN_OPTIONS);
    const settings = gaussNewtonSettings(defaults, mindFeatures(defaults));
    const three = await registerGaussNewton(fixed, moving, { ...settings, levels: [{ factor: 3 as 4, iterations: 2, lambda: 0.01 }] });
    const four = await registerGaussNewton(fixed, moving, { ...settings, levels: [{ factor: 4, iterations: 2, lambda: 0.01 }] });
    expect(Array.from(three.fieldMm)).toEqual(Array.from(four.fieldMm));
  });

  it('recovers a known smooth deformation (error in mm)', async () => {
    const g = grid([40, 40, 32], [2, 2, 2], [-40, -40, -32]);
    // d(x): a smooth bump of up to 4 mm; the fixed image is the moving one seen through x + d(x).
    const d = (x: number, y: number, z: number): Vec3 => {
      const s = Math.exp(-(x * x + y * y + z * z) / (2 * 18 * 18));
      return [4 * s, -3 * s * Math.cos(x / 15), 2 * s];
    };
    const moving = fromWorldFunction(g, (x, y, z) => phantom(x, y, z));
    const fixed = fromWorldFunction(g, (x, y, z) => {
      const [a, b, c] = d(x, y, z);
      return phantom(x + a, y + b, z + c);
    });
    const defaults = defaultOptions(GN_OPTIONS);
    const r = await registerGaussNewton(fixed, moving, {
      ...gaussNewtonSettings(defaults, mindFeatures(defaults)),
      levels: [
        { factor: 2, iterations: 8, lambda: 0.01 },
        { factor: 1, iterations: 6, lambda: 0.02 },
      ],
    });
    expect(r.finalResidual).toBeLessThan(r.initialResidual);
    // Compare with the truth inside the object, where the images have structure.
    let before = 0;
    let after = 0;
    let count = 0;
    const [nx, ny, nz] = g.dims;
    for (let k = 4; k < nz - 4; k++)
      for (let j = 4; j < ny - 4; j++)
        for (let i = 4; i < nx - 4; i++) {
          const x = -40 + 2 * i;
          const y = -40 + 2 * j;
          const z = -32 + 2 * k;
          if (Math.hypot(x / 26, y / 20, z / 16) > 0.9) continue;
          const t = d(x, y, z);
          const v = 3 * (i + nx * (j + ny * k));
          before += Math.hypot(...t);
          after += Math.hypot(r.fieldMm[v] - t[0], r.fieldMm[v + 1] - t[1], r.fieldMm[v + 2] - t[2]);
          count++;
        }
    expect(count).toBeGreaterThan(1000);
    expect(before / count).toBeGreaterThan(2);
    expect(after / count).toBeLessThan(0.8); // mm
    expect(after / count).toBeLessThan(0.3 * (before / count));
  });

  it('with learned features leaves no tensors behind, and the model round-trips', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'lw-model-'));
    const net = new FeatureNet({ hidden: 3, outChannels: 2 }, undefined, 5);
    const H = (id: string, w: 'image' | 'labels') => path.join(SHARED, 'hippocampus', `hippocampus_${id}_${w}.nii.gz`);
    await saveFeatureModel(dir, net, {
      templateImage: H('001', 'image'),
      subjects: { training: ['a'], validation: ['b'] },
      mind: { radius: 1, dilation: 1 },
      settings: {},
      seconds: 1,
      validation: { dice: null },
      extra: { note: 'test' },
    });
    const loaded = await loadFeatureModel(dir);
    expect(Array.from(loaded.net.get('w2').dataSync())).toEqual(Array.from(net.get('w2').dataSync()));
    expect(loaded.card.training.note).toBe('test');
    // The channels: MIND-SSC's 12, the network's 2, then the weighted intensity (as without a model).
    const small = grid([9, 8, 7], [1, 1, 1], [0, 0, 0]);
    const img = fromWorldFunction(small, (x, y, z) => phantom(x * 3, y * 3, z * 3));
    const plain = learnedFeatures(net, 1, 1);
    const withIntensity = learnedFeatures(net, 1, 1, 6);
    expect([plain.channels, withIntensity.channels]).toEqual([14, 15]);
    const a = await plain.compute(img);
    const b = await withIntensity.compute(img);
    for (let v = 0; v < img.data.length; v++) {
      expect(Array.from(b.subarray(15 * v, 15 * v + 14))).toEqual(Array.from(a.subarray(14 * v, 14 * v + 14)));
      expect(b[15 * v + 14]).toBeCloseTo(6 * img.data[v], 5);
    }
    net.dispose();
    loaded.net.dispose();
    const input = {
      templateImage: await readVolume(H('001', 'image')),
      templateLabels: await readVolume(H('001', 'labels'), 'labels'),
      scan: await readVolume(H('003', 'image')),
      scanLabels: await readVolume(H('003', 'labels'), 'labels'),
    };
    const before = tf.memory().numTensors;
    const r = await segmentScan(input, { engine: 'gn', engineOptions: { model: dir } });
    expect(tf.memory().numTensors).toBe(before);
    expect(r.displacementMm).toBeDefined();
    expect(r.metrics.meanDice).toBeGreaterThan(0.5);
    expect(r.metrics.nonPositiveJacobianPercent).toBeLessThan(0.5);
    expect(r.metrics.warnings).toEqual([]);
  });

  it('flags a scan with nothing to match as a poor result instead of a silent field', async () => {
    const H = (id: string, w: 'image' | 'labels') => path.join(SHARED, 'hippocampus', `hippocampus_${id}_${w}.nii.gz`);
    const templateImage = await readVolume(H('001', 'image'));
    const noise = { ...templateImage, data: rand(templateImage.data.length, 41, 0, 100) };
    const r = await segmentScan(
      { templateImage, templateLabels: await readVolume(H('001', 'labels'), 'labels'), scan: noise },
      { engine: 'gn' },
    );
    expect(r.metrics.warnings.join(' ')).toMatch(/poor pre-alignment/);
    const flat = { ...templateImage, data: new Float32Array(templateImage.data.length).fill(3) };
    await expect(
      segmentScan({ templateImage, templateLabels: await readVolume(H('001', 'labels'), 'labels'), scan: flat }, { engine: 'gn' }),
    ).rejects.toThrow(/no contrast/);
  });
});
