import { describe, expect, it } from 'vitest';
import {
  BarrierBroken,
  breakBarrier,
  shared,
  solveNormalEquationsHalves,
  stepTermsParallel,
  twoThreadBarrier,
} from '../../core/parallel/kernel-pool.js';
import { applySystem, cgHalves, cgStart, solveNormalEquations } from '../../core/registration/linear-solve.js';
import type { Vec3 } from '../../core/volume/volume.js';

function system(dims: Vec3, seed: number): { H: Float32Array; b: Float32Array } {
  let s = seed >>> 0;
  const r = () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
  const n = dims[0] * dims[1] * dims[2];
  const H = new Float32Array(6 * n);
  const b = new Float32Array(3 * n);
  for (let v = 0; v < n; v++) {
    for (let c = 0; c < 3; c++) {
      H[6 * v + c] = r();
      b[3 * v + c] = r() - 0.5;
    }
    H[6 * v + 3] = 0.1 * r();
  }
  return { H, b };
}

describe('conjugate gradients on two halves of the lattice', () => {
  const dims: Vec3 = [40, 36, 30];
  const options = { lambda: 0.05, delta: 0.01, tolerance: 1e-6, maxIterations: 60 };

  it('solves the system as the one-pass solver does', () => {
    const { H, b } = system(dims, 5);
    const { arrays, rz, bnorm } = cgStart(H, b, dims, options.lambda, options.delta, false);
    const stats = cgHalves(arrays, dims, options, { rz, bnorm }, 13, [0, 1], () => {});
    const Ax = new Float64Array(b.length);
    applySystem(H, arrays.x, dims, options.lambda, options.delta, Ax);
    let res = 0;
    let norm = 0;
    for (let i = 0; i < b.length; i++) {
      res += (Ax[i] - b[i]) ** 2;
      norm += b[i] ** 2;
    }
    expect(Math.sqrt(res / norm)).toBeLessThan(1e-5);
    const one = solveNormalEquations(H, b, dims, options);
    expect(stats.iterations).toBe(one.stats.iterations);
    for (let i = 0; i < b.length; i += 97) expect(arrays.x[i]).toBeCloseTo(one.x[i], 5);
  });

  it('gives the same iterates on two threads as on one', async () => {
    const { H, b } = system(dims, 9);
    // A first request starts the second thread; the solver only uses a thread that has answered.
    const big: Vec3 = [60, 60, 60];
    const F = shared(new Float32Array(216_000).fill(0.5));
    const sharedZeros = (length: number) => shared(new Float32Array(length));
    await stepTermsParallel({
      F,
      M: F,
      C: 1,
      dims: big,
      termScale: 1,
      u: sharedZeros(3 * 216_000),
      H: sharedZeros(6 * 216_000),
      g: sharedZeros(3 * 216_000),
    });
    const two = solveNormalEquationsHalves(H, b, dims, options);
    const { arrays, rz, bnorm } = cgStart(H, b, dims, options.lambda, options.delta, false);
    const stats = cgHalves(arrays, dims, options, { rz, bnorm }, Math.floor(dims[2] / 2), [0, 1], () => {});
    // Two threads wherever a second one may run (LABELWARP_THREADS=1 keeps one).
    expect(two.threads).toBe(process.env.LABELWARP_THREADS === '1' ? 1 : 2);
    expect(two.stats).toEqual(stats);
    expect(Array.from(two.x)).toEqual(Array.from(Float32Array.from(arrays.x)));
  });

  it("preconditions with the inverse of each voxel's 3×3 block: one iteration solves an uncoupled system", () => {
    // λ = 0: the system is block diagonal, with strongly coupled components (rank-one gradient
    // blocks g gᵀ plus δ), so the block inverse is the exact inverse; a diagonal one would need many.
    const n = dims[0] * dims[1] * dims[2];
    const H = new Float32Array(6 * n);
    const b = new Float32Array(3 * n);
    for (let v = 0; v < n; v++) {
      const g = [Math.sin(v), Math.cos(0.7 * v), 0.5 + Math.sin(1.3 * v)];
      const o = 6 * v;
      [H[o], H[o + 1], H[o + 2], H[o + 3], H[o + 4], H[o + 5]] = [
        g[0] * g[0],
        g[1] * g[1],
        g[2] * g[2],
        g[0] * g[1],
        g[0] * g[2],
        g[1] * g[2],
      ];
      for (let c = 0; c < 3; c++) b[3 * v + c] = Math.cos(v + c);
    }
    const uncoupled = { lambda: 0, delta: 0.01, tolerance: 1e-4, maxIterations: 60 };
    const { stats, x } = solveNormalEquations(H, b, dims, uncoupled);
    expect(stats.iterations).toBe(1);
    const Ax = new Float64Array(b.length);
    applySystem(H, x, dims, 0, uncoupled.delta, Ax);
    let err = 0;
    for (let i = 0; i < b.length; i++) err = Math.max(err, Math.abs(Ax[i] - b[i]));
    expect(err).toBeLessThan(1e-3);
  });

  it('a broken or unanswered barrier ends the wait with BarrierBroken, for both threads', () => {
    const sync = new Int32Array(new SharedArrayBuffer(12));
    breakBarrier(sync);
    expect(() => twoThreadBarrier(sync)()).toThrow(BarrierBroken);
    const alone = new Int32Array(new SharedArrayBuffer(12));
    const t0 = Date.now();
    expect(() => twoThreadBarrier(alone, 50)()).toThrow(BarrierBroken);
    expect(Date.now() - t0).toBeLessThan(5000);
    // The partner that comes later finds it broken instead of waiting.
    expect(Atomics.load(alone, 2)).toBe(1);
    expect(() => twoThreadBarrier(alone, 50)()).toThrow(BarrierBroken);
  });
});
