import { describe, expect, it } from 'vitest';
import { affineGradient, affineSumsRange, fixedSums, nccFromSums } from '../../core/registration/affine-terms.js';
import type { AffineLevelData } from '../../core/registration/affine-terms.js';
import { affineLevelTerms } from '../../core/parallel/kernel-pool.js';
import { negNcc } from '../../core/registration/similarity.js';
import { indexToWorld, indexToWorldMatrix, multiply4, worldToIndexMatrix } from '../../core/volume/volume.js';
import type { Grid, Mat3, Vec3 } from '../../core/volume/volume.js';

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
/**
 * An oblique grid of `dims` (rotations about z and x, unequal spacings) centred on the world's
 * origin: general enough that transposing a matrix in the gradient fails.
 */
function obliqueGrid(angleZ: number, angleX: number, spacing: Vec3): Grid {
  const [cz, sz, cx, sx] = [Math.cos(angleZ), Math.sin(angleZ), Math.cos(angleX), Math.sin(angleX)];
  // Rz · Rx, row-major.
  const direction: Mat3 = [cz, -sz * cx, sz * sx, sz, cz * cx, -cz * sx, 0, sx, cx];
  const centred = { dims, spacing, origin: [0, 0, 0] as Vec3, direction };
  const middle = indexToWorld(centred, dims.map((d) => (d - 1) / 2) as Vec3);
  return { ...centred, origin: middle.map((x) => -x) as Vec3 };
}

const fI2W = Array.from(indexToWorldMatrix(obliqueGrid(0.15, 0.1, [2, 2.2, 1.8])));
const mW2I = Array.from(worldToIndexMatrix(obliqueGrid(-0.1, 0.05, [1.9, 2.1, 2])));
const cf: Vec3 = [0, 0, 0];

/** Fixed index → moving index (rows 0–2 of a 4×4) through x_m = (I + M)x_f + t: mW2I · T · fI2W. */
function indexMap(p: number[]): number[] {
  const T = [1 + p[0], p[1], p[2], p[9], p[3], 1 + p[4], p[5], p[10], p[6], p[7], 1 + p[8], p[11], 0, 0, 0, 1];
  return Array.from(multiply4(mW2I, multiply4(T, fI2W))).slice(0, 12);
}

/** indexMap with the linear part acting about `centre` (world mm): x_m = centre + (I + M)(x_f − centre) + t. */
function indexMapAbout(p: number[], centre: Vec3): number[] {
  const shift = [0, 1, 2].map((r) => p[9 + r] - [0, 1, 2].reduce((s, q) => s + p[3 * r + q] * centre[q], 0));
  return indexMap([...p.slice(0, 9), ...shift]);
}

/** The level's arrays. */
function levelData(): AffineLevelData {
  return { fixed, fixedDims: dims, moving, movingDims: dims };
}

/** The moving image sampled through `c`, trilinear, 0 where a cell leaves the image (the kernel's rule), written plainly. */
function warpedReference(c: number[]): Float32Array {
  const [nx, ny, nz] = dims;
  const out = new Float32Array(fixed.length);
  const at = (i: number, j: number, k: number) => moving[i + nx * (j + ny * k)];
  for (let k = 0, v = 0; k < nz; k++)
    for (let j = 0; j < ny; j++)
      for (let i = 0; i < nx; i++, v++) {
        const p = [0, 1, 2].map((r) => c[4 * r] * i + c[4 * r + 1] * j + c[4 * r + 2] * k + c[4 * r + 3]);
        const b = p.map(Math.floor);
        if (b.some((x, a) => x < 0 || x >= dims[a] - 1)) continue;
        const [fx, fy, fz] = p.map((x, a) => x - b[a]);
        let m = 0;
        for (let dz = 0; dz < 2; dz++)
          for (let dy = 0; dy < 2; dy++)
            for (let dx = 0; dx < 2; dx++)
              m += (dx ? fx : 1 - fx) * (dy ? fy : 1 - fy) * (dz ? fz : 1 - fz) * at(b[0] + dx, b[1] + dy, b[2] + dz);
        out[v] = m;
      }
  return out;
}

describe('affine kernels (the affine step on two threads)', () => {
  it('NCC from the sums equals negNcc of the warped image', () => {
    const n = fixed.length;
    const p = [0.02, 0, 0.01, 0, -0.03, 0, 0, 0.01, 0.02, 1.5, -0.7, 0.4];
    const sums = affineSumsRange(levelData(), indexMap(p), 0, dims[2]);
    const [sf, sff] = fixedSums(fixed);
    const { loss } = nccFromSums(n, sf, sff, sums[0], sums[1], sums[2]);
    expect(loss).toBeCloseTo(negNcc(fixed, warpedReference(indexMap(p))).loss, 6);
  });

  it('the parameter gradient matches central finite differences, about the origin and about another centre', async () => {
    const terms = affineLevelTerms(fixed, dims, moving, dims);
    const p = [0.01, 0.02, 0, -0.01, 0.03, 0, 0.02, 0, -0.02, 1.2, 0.6, -0.9];
    for (const centre of [cf, [6, -4, 10] as Vec3]) {
      // x_m = centre + (I + M)(x_f − centre) + t, as fixed index → moving index.
      const map = (q: number[]) => indexMapAbout(q, centre);
      const { grad } = await terms(map(p), fI2W, mW2I, centre);
      for (let i = 0; i < 12; i++) {
        // Trilinear sampling has kinks at cell faces: a difference quotient that straddles one is
        // off, so the closest of three step sizes is compared.
        const quotients: number[] = [];
        for (const h of [1e-5, 3e-5, 1e-4]) {
          const plus = [...p];
          const minus = [...p];
          plus[i] += h;
          minus[i] -= h;
          quotients.push(
            ((await terms(map(plus), fI2W, mW2I, centre)).loss - (await terms(map(minus), fI2W, mW2I, centre)).loss) / (2 * h),
          );
        }
        const fd = quotients.reduce((best, q) => (Math.abs(q - grad[i]) < Math.abs(best - grad[i]) ? q : best));
        expect(Math.abs(fd)).toBeGreaterThan(1e-4);
        expect(Math.abs(grad[i] - fd)).toBeLessThan(0.02 * Math.abs(fd) + 1e-4);
      }
    }
  });

  it('the two halves summed (whichever thread runs them) equal the level terms', async () => {
    const n = fixed.length;
    const p = [0, 0.01, 0, 0.02, 0, 0, 0, 0, 0.01, -1, 0.5, 0.25];
    const c = indexMap(p);
    const { loss, grad } = await affineLevelTerms(fixed, dims, moving, dims)(c, fI2W, mW2I, cf);
    const d = levelData();
    const half = Math.floor(dims[2] / 2);
    const sums = affineSumsRange(d, c, 0, half);
    const upper = affineSumsRange(d, c, half, dims[2]);
    for (let i = 0; i < sums.length; i++) sums[i] += upper[i];
    const [sf, sff] = fixedSums(fixed);
    const r = nccFromSums(n, sf, sff, sums[0], sums[1], sums[2]);
    const g = affineGradient(sums, r.q, fI2W, mW2I, cf);
    expect(loss).toBe(r.loss);
    expect(Array.from(grad)).toEqual(Array.from(g));
  });
});
