/**
 * A displacement field in voxel units of one grid resampled onto another grid over the same
 * physical space and direction (Gauss-Newton's control grid → data grid → the scan's grid):
 * trilinear, clamped at the border, returned in voxel units of the target grid.
 *
 * When every target axis maps onto one source axis (grids of one direction: the usual case), the
 * interpolation is separable: each axis's lower index and weight are computed once per index
 * instead of once per voxel, with the same arithmetic as sampleVec3Clamped, so the values are the
 * same. Otherwise every voxel is mapped as a point. Works on a range of target slices, so that two
 * threads can share one field (parallel/kernel-pool.ts).
 */
import type { Grid } from '../volume/volume.js';
import { indexToWorldMatrix, multiply4, voxelCount, worldToIndexMatrix } from '../volume/volume.js';
import { cellLerp, sampleVec3Clamped } from './sample.js';
import { displacementIndexToWorld } from './warp.js';

/** Target index → source index (rows of a 4×4 matrix). */
function targetToSource(from: Grid, to: Grid): Float64Array {
  return multiply4(worldToIndexMatrix(from), indexToWorldMatrix(to));
}

/** Lower corner and weight along one axis, clamped as sampleVec3Clamped clamps. */
function axisStencil(count: number, n: number, scale: number, offset: number): { lower: Int32Array; weight: Float64Array } {
  const lower = new Int32Array(count);
  const weight = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const x = Math.min(n - 1, Math.max(0, scale * i + offset));
    const x0 = Math.min(Math.floor(x), Math.max(0, n - 2));
    lower[i] = x0;
    weight[i] = x - x0;
  }
  return { lower, weight };
}

/**
 * Target slices k0 … k1−1 of `u` (voxel units of `from`, 3 interleaved components) resampled onto
 * `to`, written into `out` (3 · voxels of `to`, voxel units of `to`).
 */
export function resampleFieldSlices(u: Float32Array, from: Grid, to: Grid, k0: number, k1: number, out: Float32Array): void {
  const m = targetToSource(from, to);
  const [fx, fy, fz] = from.dims;
  const [tx, ty] = to.dims;
  const scale = [0, 1, 2].map((a) => from.spacing[a] / to.spacing[a]);
  const separable = m[1] === 0 && m[2] === 0 && m[4] === 0 && m[6] === 0 && m[8] === 0 && m[9] === 0;
  if (!separable) {
    for (let k = k0; k < k1; k++)
      for (let j = 0, v = tx * ty * k; j < ty; j++)
        for (let i = 0; i < tx; i++, v++) {
          const x = m[0] * i + m[1] * j + m[2] * k + m[3];
          const y = m[4] * i + m[5] * j + m[6] * k + m[7];
          const z = m[8] * i + m[9] * j + m[10] * k + m[11];
          sampleVec3Clamped(u, fx, fy, fz, x, y, z, out, 3 * v, scale);
        }
    return;
  }
  // x = m0·i + m3 (the other terms are exact zeros), and likewise for y and z.
  const X = axisStencil(tx, fx, m[0], m[3]);
  const Y = axisStencil(ty, fy, m[5], m[7]);
  const Z = axisStencil(k1, fz, m[10], m[11]);
  const sx = fx > 1 ? 3 : 0;
  const sy = fy > 1 ? 3 * fx : 0;
  const sz = fz > 1 ? 3 * fx * fy : 0;
  const [s0, s1, s2] = scale;
  for (let k = k0; k < k1; k++) {
    const az = Z.weight[k];
    const bz = 3 * fx * fy * Z.lower[k];
    for (let j = 0; j < ty; j++) {
      const ay = Y.weight[j];
      const byz = bz + 3 * fx * Y.lower[j];
      let o = 3 * (tx * (j + ty * k));
      for (let i = 0; i < tx; i++, o += 3) {
        const ax = X.weight[i];
        const b = byz + 3 * X.lower[i];
        out[o] = cellLerp(u, b, sx, sy, sz, ax, ay, az) * s0;
        out[o + 1] = cellLerp(u, b + 1, sx, sy, sz, ax, ay, az) * s1;
        out[o + 2] = cellLerp(u, b + 2, sx, sy, sz, ax, ay, az) * s2;
      }
    }
  }
}

/** The whole field resampled onto `to` (voxel units of `to`). */
export function resampleFieldIdx(
  u: Float32Array,
  from: Grid,
  to: Grid,
  out: Float32Array = new Float32Array(3 * voxelCount(to)),
): Float32Array {
  resampleFieldSlices(u, from, to, 0, to.dims[2], out);
  return out;
}

/**
 * Target slices k0 … k1−1 of the field resampled onto `to` and converted to world millimetres
 * (what a displacement field transform holds), written into `out`.
 */
export function resampleFieldToWorldSlices(u: Float32Array, from: Grid, to: Grid, k0: number, k1: number, out: Float32Array): void {
  // A slice at a time, so that the conversion reads values still in cache.
  const slice = 3 * to.dims[0] * to.dims[1];
  for (let k = k0; k < k1; k++) {
    resampleFieldSlices(u, from, to, k, k + 1, out);
    const part = out.subarray(slice * k, slice * (k + 1));
    displacementIndexToWorld(to, part, part);
  }
}
