import { describe, expect, it } from 'vitest';
import { resampleFieldIdx, resampleFieldSlices, resampleFieldToWorldSlices } from '../../core/kernels/field-resample.js';
import { displacementIndexToWorld } from '../../core/kernels/warp.js';
import { sampleVec3Clamped } from '../../core/kernels/sample.js';
import { indexToWorldMatrix, multiply4, voxelCount, worldToIndexMatrix } from '../../core/volume/volume.js';
import type { Grid, Mat3, Vec3 } from '../../core/volume/volume.js';
import { grid } from '../helpers/synthetic.js';

function rng(seed: number) {
  let s = seed >>> 0;
  return () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
}

/** The definition: every target voxel mapped as a point and sampled by sampleVec3Clamped. */
function pointwise(u: Float32Array, from: Grid, to: Grid): Float32Array {
  const m = multiply4(worldToIndexMatrix(from), indexToWorldMatrix(to));
  const out = new Float32Array(3 * voxelCount(to));
  const scale = [0, 1, 2].map((a) => from.spacing[a] / to.spacing[a]);
  const [tx, ty, tz] = to.dims;
  for (let k = 0, v = 0; k < tz; k++)
    for (let j = 0; j < ty; j++)
      for (let i = 0; i < tx; i++, v++) {
        const x = m[0] * i + m[1] * j + m[2] * k + m[3];
        const y = m[4] * i + m[5] * j + m[6] * k + m[7];
        const z = m[8] * i + m[9] * j + m[10] * k + m[11];
        sampleVec3Clamped(u, from.dims[0], from.dims[1], from.dims[2], x, y, z, out, 3 * v, scale);
      }
  return out;
}

function randomField(g: Grid, seed: number): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: 3 * voxelCount(g) }, () => 4 * r() - 2);
}

describe('displacement field resampling between grids', () => {
  // Control grid → data grid and data grid → a finer scan grid, with odd sizes and an origin shift.
  const fine = grid([23, 17, 11], [1, 1.2, 2], [3, -4, 5]);
  const cases: [string, Grid, Grid][] = [
    ['coarse → fine (the Gauss-Newton upsampling)', grid([6, 5, 3], [4, 4.8, 8], [4.5, -2.2, 8]), fine],
    ['fine → coarse', fine, grid([6, 5, 3], [4, 4.8, 8], [4.5, -2.2, 8])],
    ['one slice thick source', grid([6, 5, 1], [4, 4.8, 8], [4.5, -2.2, 8]), fine],
  ];
  for (const [name, from, to] of cases)
    it(`separable path equals the pointwise definition exactly: ${name}`, () => {
      const u = randomField(from, 7);
      expect(Array.from(resampleFieldIdx(u, from, to))).toEqual(Array.from(pointwise(u, from, to)));
    });

  it('a rotated direction takes the pointwise path, with the same values', () => {
    const c = Math.cos(0.3);
    const s = Math.sin(0.3);
    const dir: Mat3 = [c, -s, 0, s, c, 0, 0, 0, 1];
    const from = grid([6, 5, 4], [3, 3, 3], [0, 0, 0], dir);
    const to = grid([14, 12, 9], [1.5, 1.5, 1.5], [0.5, 0.5, 0.5], dir);
    const u = randomField(from, 3);
    const got = resampleFieldIdx(u, from, to);
    const want = pointwise(u, from, to);
    for (let i = 0; i < got.length; i++) expect(got[i]).toBeCloseTo(want[i], 5);
  });

  it('slices computed in two ranges equal the whole', () => {
    const from = grid([6, 5, 3], [4, 4.8, 8], [4.5, -2.2, 8]);
    const u = randomField(from, 11);
    const whole = resampleFieldIdx(u, from, fine);
    const parts = new Float32Array(whole.length).fill(NaN);
    const dims: Vec3 = fine.dims;
    resampleFieldSlices(u, from, fine, 6, dims[2], parts);
    resampleFieldSlices(u, from, fine, 0, 6, parts);
    expect(Array.from(parts)).toEqual(Array.from(whole));
  });
});

describe('the final field in millimetres', () => {
  it('equals resampling then displacementIndexToWorld, exactly', () => {
    const c = Math.cos(0.2);
    const s = Math.sin(0.2);
    for (const dir of [undefined, [c, 0, s, 0, 1, 0, -s, 0, c] as Mat3]) {
      const from = grid([6, 5, 4], [4, 4.8, 6], [1, 2, 3], dir);
      const to = grid([23, 17, 11], [1, 1.2, 2], [2.5, 3, 4], dir);
      const u = randomField(from, 13);
      const want = displacementIndexToWorld(to, resampleFieldIdx(u, from, to));
      const got = new Float32Array(want.length);
      resampleFieldToWorldSlices(u, from, to, 0, 5, got);
      resampleFieldToWorldSlices(u, from, to, 5, to.dims[2], got);
      expect(Array.from(got)).toEqual(Array.from(want));
    }
  });
});
