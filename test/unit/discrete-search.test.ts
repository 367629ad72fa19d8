import { describe, expect, it } from 'vitest';
import { box3 } from '../../core/kernels/box3.js';
import { boxFilter3d } from '../../core/kernels/mind.js';
import { bestLabelsRange, costLabelsRange, discreteSearch, searchOffsets } from '../../core/registration/discrete-search.js';
import type { DiscreteSearchSettings } from '../../core/registration/discrete-search.js';
import { discreteHelper } from '../../core/parallel/kernel-pool.js';
import { registerGaussNewton } from '../../core/registration/gauss-newton.js';
import { GN_OPTIONS, gaussNewtonSettings, mindFeatures } from '../../core/engines/gn/options.js';
import { defaultOptions } from '../../core/engines/options.js';
import { fromWorldFunction, grid, phantom } from '../helpers/synthetic.js';
import type { Vec3 } from '../../core/volume/volume.js';

function random(seed: number) {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
}

/** Smooth random features (C channels, channel fastest): noise box-filtered twice per channel. */
function features(dims: Vec3, C: number, seed: number): Float32Array {
  const n = dims[0] * dims[1] * dims[2];
  const r = random(seed);
  const out = new Float32Array(n * C);
  for (let c = 0; c < C; c++) {
    const img = Float32Array.from({ length: n }, r);
    boxFilter3d(img, dims, 1);
    for (let v = 0; v < n; v++) out[v * C + c] = img[v];
  }
  return out;
}

/** F(x) = M(x + t): the features M seen through an integer shift t (clamped at the border). */
function shiftedBy(M: Float32Array, dims: Vec3, C: number, t: Vec3): Float32Array {
  const [nx, ny, nz] = dims;
  const F = new Float32Array(M.length);
  const at = (i: number, n: number) => Math.min(n - 1, Math.max(0, i));
  for (let k = 0; k < nz; k++)
    for (let j = 0; j < ny; j++)
      for (let i = 0; i < nx; i++) {
        const src = at(i + t[0], nx) + nx * (at(j + t[1], ny) + ny * at(k + t[2], nz));
        for (let c = 0; c < C; c++) F[C * (i + nx * (j + ny * k)) + c] = M[C * src + c];
      }
  return F;
}

const SETTINGS: DiscreteSearchSettings = { radius: 2, ball: false, patch: 1, smooth: 1, couplings: [0, 0.3] };

/** Candidate l's displacement. */
const offset = (offsets: Int32Array, l: number): Vec3 => [offsets[3 * l], offsets[3 * l + 1], offsets[3 * l + 2]];

describe('box3', () => {
  it('is the radius-1 boxFilter3d (clamped borders), also on axes of 1 and 2 voxels', () => {
    const r = random(3);
    for (const dims of [
      [9, 7, 6],
      [1, 5, 4],
      [2, 1, 3],
      [6, 2, 1],
    ] as Vec3[]) {
      const n = dims[0] * dims[1] * dims[2];
      const a = Float32Array.from({ length: n }, () => 100 * r() - 20);
      const ref = a.slice();
      boxFilter3d(ref, dims, 1);
      const out = new Float32Array(n);
      box3(a, dims, out, new Float32Array(n));
      for (let v = 0; v < n; v++) expect(out[v]).toBeCloseTo(ref[v], 4);
    }
  });
});

describe('discrete displacement search', () => {
  it('lists every displacement of the cube once, and of its ball those with ‖d‖² ≤ 1.5 r²', () => {
    const cube = searchOffsets(2, false);
    const seen = new Set<string>();
    for (let l = 0; l < cube.length / 3; l++) {
      const d = offset(cube, l);
      expect(d.every((x) => Math.abs(x) <= 2)).toBe(true);
      seen.add(d.join(','));
    }
    expect(seen.size).toBe(125);
    const ball = searchOffsets(2, true);
    expect(ball.length / 3).toBe(81);
    for (let l = 0; l < 81; l++) expect(offset(ball, l).reduce((s, x) => s + x * x, 0)).toBeLessThanOrEqual(6);
  });

  it('gives the true shift the lowest cost, and the cost of one label range does not depend on the others', () => {
    const dims: Vec3 = [14, 12, 10];
    const C = 5;
    const M = features(dims, C, 11);
    const t: Vec3 = [1, -2, 1];
    const F = shiftedBy(M, dims, C, t);
    const n = dims[0] * dims[1] * dims[2];
    const offsets = searchOffsets(2, false);
    const L = offsets.length / 3;
    const whole = { F, M, C, dims, offsets, patch: 1, cost: new Float32Array(n * L), sums: new Float64Array(L) };
    costLabelsRange(whole, 0, L);
    const parts = { ...whole, cost: new Float32Array(n * L), sums: new Float64Array(L) };
    costLabelsRange(parts, 40, L);
    costLabelsRange(parts, 0, 40);
    expect(Array.from(parts.cost)).toEqual(Array.from(whole.cost));
    expect(Array.from(parts.sums)).toEqual(Array.from(whole.sums));
    // In the interior, where no border clamps the shift, the true label costs 0 and wins.
    let truth = -1;
    for (let l = 0; l < L; l++) if (offset(offsets, l).every((x, a) => x === t[a])) truth = l;
    const [nx, ny, nz] = dims;
    for (let k = 4; k < nz - 4; k++)
      for (let j = 4; j < ny - 4; j++)
        for (let i = 4; i < nx - 4; i++) {
          const v = i + nx * (j + ny * k);
          const costs = Array.from({ length: L }, (_, l) => whole.cost[l * n + v]);
          expect(costs[truth]).toBeCloseTo(0, 6);
          expect(Math.min(...costs.filter((_, l) => l !== truth))).toBeGreaterThan(1e-4);
        }
  });

  it('the written-out 12- and 13-channel distances (MIND, MIND + intensity) equal the general loop', () => {
    const dims: Vec3 = [9, 8, 7];
    const n = dims[0] * dims[1] * dims[2];
    const offsets = searchOffsets(1, false);
    const L = offsets.length / 3;
    for (const C of [12, 13]) {
      const M = features(dims, C, 3 + C);
      const F = shiftedBy(M, dims, C, [1, 0, -1]);
      const fast = { F, M, C, dims, offsets, patch: 1, cost: new Float32Array(n * L), sums: new Float64Array(L) };
      costLabelsRange(fast, 0, L);
      // The same channels padded with a zero channel take the general loop (C + 1 is neither 12 nor 13
      // for C = 13; for C = 12 the 13-channel path adds a zero term).
      const pad = (X: Float32Array) => {
        const out = new Float32Array(n * (C + 1));
        for (let v = 0; v < n; v++) for (let c = 0; c < C; c++) out[v * (C + 1) + c] = X[v * C + c];
        return out;
      };
      const general = { ...fast, F: pad(F), M: pad(M), C: C + 1, cost: new Float32Array(n * L), sums: new Float64Array(L) };
      costLabelsRange(general, 0, L);
      for (let q = 0; q < n * L; q++) expect(fast.cost[q]).toBeCloseTo(general.cost[q], 5);
    }
  });

  it('breaks ties towards the shortest displacement: none where every shift costs the same', async () => {
    const dims: Vec3 = [10, 9, 8];
    const flat = new Float32Array(dims[0] * dims[1] * dims[2] * 12).fill(1);
    const u = await discreteSearch(flat, flat, 12, dims, SETTINGS);
    expect(u.every((x) => x === 0)).toBe(true);
  });

  it('a strong coupling picks the candidate nearest the smooth field, none the plain argmin', () => {
    const n = 50;
    const offsets = searchOffsets(1, false);
    const L = offsets.length / 3;
    const r = random(5);
    const cost = Float32Array.from({ length: n * L }, r);
    const v = Float32Array.from({ length: 3 * n }, () => 2.4 * r() - 1.2);
    const out = new Float32Array(3 * n);
    bestLabelsRange({ cost, n, offsets, theta: 1000, v, out }, 0, n);
    for (let i = 0; i < 3 * n; i++) expect(out[i] + 0).toBe(Math.max(-1, Math.min(1, Math.round(v[i]))) + 0);
    // θ = 0: the plain argmin of the cost.
    bestLabelsRange({ cost, n, offsets, theta: 0, v, out }, 0, n);
    for (let x = 0; x < n; x++) {
      const costs = Array.from({ length: L }, (_, l) => cost[l * n + x]);
      expect(offset(offsets, costs.indexOf(Math.min(...costs)))).toEqual(Array.from(out.subarray(3 * x, 3 * x + 3)));
    }
  });

  it('recovers a known shift, with the same field on one thread and on two', async () => {
    const dims: Vec3 = [20, 18, 16];
    const C = 12;
    const M = features(dims, C, 21);
    const t: Vec3 = [2, -1, -2];
    const F = shiftedBy(M, dims, C, t);
    const alone = await discreteSearch(F, M, C, dims, SETTINGS);
    const helper = discreteHelper();
    // Two threads wherever a second one may run (LABELWARP_THREADS=1 keeps one).
    expect(helper === undefined).toBe(process.env.LABELWARP_THREADS === '1');
    if (helper) {
      // Count the ranges the worker really computed (a failed one falls back to this thread).
      let remote = 0;
      const counted = {
        ...helper,
        cost: (d: Parameters<typeof helper.cost>[0], a: number, b: number) => helper.cost(d, a, b)?.then((r) => (r && remote++, r)) ?? null,
        best: (d: Parameters<typeof helper.best>[0], a: number, b: number) => helper.best(d, a, b)?.then((r) => (r && remote++, r)) ?? null,
      };
      // Features in shared memory, as registerGaussNewton passes them.
      const [Fs, Ms] = [helper.alloc(F.length), helper.alloc(M.length)];
      Fs.set(F);
      Ms.set(M);
      const two = await discreteSearch(Fs, Ms, C, dims, SETTINGS, counted);
      expect(remote).toBe(1 + SETTINGS.couplings.length);
      expect(Array.from(two)).toEqual(Array.from(alone));
    }
    const [nx, ny, nz] = dims;
    for (let k = 5; k < nz - 5; k++)
      for (let j = 5; j < ny - 5; j++)
        for (let i = 5; i < nx - 5; i++) {
          const v = 3 * (i + nx * (j + ny * k));
          for (let a = 0; a < 3; a++) expect(alone[v + a]).toBeCloseTo(t[a], 5);
        }
  });

  it('lets Gauss-Newton recover a shift beyond the reach of its own steps', async () => {
    const g = grid([40, 40, 32], [2, 2, 2], [-40, -40, -32]);
    // A 7 mm shift (1.75 voxels of the 4 mm level) of a phantom with texture of 9–14 mm periods,
    // where the steps' linearisation finds a nearer, wrong match.
    const shift: Vec3 = [7, -6, 5];
    const textured = (x: number, y: number, z: number) =>
      phantom(x, y, z) * (1 + 0.5 * Math.sin(x / 1.5 + 0.3) * Math.sin(y / 2.2 + 1) * Math.sin(z / 1.8 + 2));
    const moving = fromWorldFunction(g, textured);
    const fixed = fromWorldFunction(g, (x, y, z) => textured(x + shift[0], y + shift[1], z + shift[2]));
    const defaults = defaultOptions(GN_OPTIONS);
    const settings = gaussNewtonSettings(defaults, mindFeatures(defaults));
    const error = (fieldMm: Float32Array) => {
      let sum = 0;
      let count = 0;
      const [nx, ny, nz] = g.dims;
      for (let k = 0; k < nz; k++)
        for (let j = 0; j < ny; j++)
          for (let i = 0; i < nx; i++) {
            const x = -40 + 2 * i;
            const y = -40 + 2 * j;
            const z = -32 + 2 * k;
            if (Math.hypot(x / 22, y / 16, z / 12) > 0.8) continue;
            const v = 3 * (i + nx * (j + ny * k));
            sum += Math.hypot(fieldMm[v] - shift[0], fieldMm[v + 1] - shift[1], fieldMm[v + 2] - shift[2]);
            count++;
          }
      return sum / count;
    };
    expect(settings.discrete).toBeDefined();
    const withSearch = await registerGaussNewton(fixed, moving, settings);
    const without = await registerGaussNewton(fixed, moving, { ...settings, discrete: undefined });
    expect(error(withSearch.fieldMm)).toBeLessThan(1.5);
    expect(error(withSearch.fieldMm)).toBeLessThan(0.5 * error(without.fieldMm));
  });
});
