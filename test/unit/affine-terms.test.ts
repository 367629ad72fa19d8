import { describe, expect, it } from 'vitest';
import { affineGradientRange, affineWarpRange, fixedSums, nccFromSums } from '../../core/registration/affine-terms.js';
import type { AffineLevelData } from '../../core/registration/affine-terms.js';
import { affineLevelTerms } from '../../core/parallel/kernel-pool.js';
import { negNcc } from '../../core/registration/similarity.js';
import type { Vec3 } from '../../core/volume/volume.js';

/** A smooth blob image of `dims`, centred at `c` (voxels). */
function blob(dims: Vec3, c: Vec3, sigma: number): Float32Array {
  const [nx, ny, nz] = dims;
  const out = new Float32Array(nx * ny * nz);
  for (let k = 0, v = 0; k < nz; k++)
    for (let j = 0; j < ny; j++)
      for (let i = 0; i < nx; i++, v++)
        out[v] = Math.exp(-((i - c[0]) ** 2 + ((j - c[1]) / 1.3) ** 2 + ((k - c[2]) / 0.8) ** 2) / (2 * sigma * sigma));
  return out;
}

const dims: Vec3 = [40, 36, 30];
const fixed = blob(dims, [19, 17, 14], 5);
const moving = blob(dims, [21, 16, 15], 5.5);
// Index-to-world (spacing 2 mm) and its inverse, row-major 4×4.
const fI2W = [2, 0, 0, -40, 0, 2, 0, -36, 0, 0, 2, -30, 0, 0, 0, 1];
const mW2I = [0.5, 0, 0, 20, 0, 0.5, 0, 18, 0, 0, 0.5, 15, 0, 0, 0, 1];
const cf: Vec3 = [0, 0, 0];

/** Fixed index → moving index through x_m = (I + M)x_f + t (centres at the origin). */
function indexMap(p: number[]): number[] {
  const c: number[] = [];
  for (let r = 0; r < 3; r++) {
    const a = [0, 1, 2].map((q) => (r === q ? 1 : 0) + p[3 * r + q]);
    // moving index = mW2I · (A · (fI2W · i) + t)
    for (let col = 0; col < 4; col++) {
      let s = 0;
      for (let q = 0; q < 3; q++) s += a[q] * fI2W[4 * q + col];
      if (col === 3) s += p[9 + r];
      c.push(0.5 * s + (col === 3 ? [20, 18, 15][r] : 0));
    }
  }
  return c;
}

/** The level's arrays with fresh scratch. */
function levelData(): AffineLevelData {
  const n = fixed.length;
  return { fixed, fixedDims: dims, moving, movingDims: dims, warped: new Float32Array(n), gIdx: new Float32Array(3 * n) };
}

describe('affine kernels (the affine step on two threads)', () => {
  it('NCC from the sums equals negNcc of the warped image, and its per-voxel gradient', () => {
    const n = fixed.length;
    const d = levelData();
    const p = [0.02, 0, 0.01, 0, -0.03, 0, 0, 0.01, 0.02, 1.5, -0.7, 0.4];
    const [sm, smm, sfm] = affineWarpRange(d, indexMap(p), 0, dims[2]);
    const [sf, sff] = fixedSums(fixed);
    const { loss, q } = nccFromSums(n, sf, sff, sm, smm, sfm);
    const ref = negNcc(fixed, d.warped);
    expect(loss).toBeCloseTo(ref.loss, 9);
    for (const v of [0, 100, 12345, n - 1]) {
      const g = -((fixed[v] - q.mf) / q.denom - q.nccOverVm * (d.warped[v] - q.mm));
      expect(g).toBeCloseTo(ref.grad[v], 6);
    }
  });

  it('the parameter gradient matches central finite differences', async () => {
    const terms = affineLevelTerms(fixed, dims, moving, dims);
    const p = [0.01, 0.02, 0, -0.01, 0.03, 0, 0.02, 0, -0.02, 1.2, 0.6, -0.9];
    const { grad } = await terms(indexMap(p), fI2W, mW2I, cf);
    for (const [i, h] of [
      [0, 1e-4],
      [4, 1e-4],
      [7, 1e-4],
      [9, 1e-4],
      [11, 1e-4],
    ]) {
      const plus = [...p];
      const minus = [...p];
      plus[i] += h;
      minus[i] -= h;
      const fd = ((await terms(indexMap(plus), fI2W, mW2I, cf)).loss - (await terms(indexMap(minus), fI2W, mW2I, cf)).loss) / (2 * h);
      expect(grad[i]).toBeCloseTo(fd, 3);
    }
  });

  it('the two halves summed (whichever thread runs them) equal the level terms', async () => {
    const n = fixed.length;
    const p = [0, 0.01, 0, 0.02, 0, 0, 0, 0, 0.01, -1, 0.5, 0.25];
    const c = indexMap(p);
    const { loss, grad } = await affineLevelTerms(fixed, dims, moving, dims)(c, fI2W, mW2I, cf);
    const d = levelData();
    const half = Math.floor(dims[2] / 2);
    const a = affineWarpRange(d, c, 0, half);
    const b = affineWarpRange(d, c, half, dims[2]);
    const [sf, sff] = fixedSums(fixed);
    const r = nccFromSums(n, sf, sff, a[0] + b[0], a[1] + b[1], a[2] + b[2]);
    const g = affineGradientRange(d, r.q, fI2W, mW2I, cf, 0, half);
    const g2 = affineGradientRange(d, r.q, fI2W, mW2I, cf, half, dims[2]);
    expect(loss).toBe(r.loss);
    expect(Array.from(grad)).toEqual(Array.from(g, (x, i) => x + g2[i]));
  });
});
