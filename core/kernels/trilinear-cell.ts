/**
 * The trilinear cell of a point in a lattice of C interleaved channels (voxel-major, channel
 * fastest, i fastest), clamped to the lattice: the one definition shared by the Gauss-Newton data
 * terms (core/registration/gn-terms.ts) and the supervoxel keypoint matching
 * (core/engines/supervoxel/keypoints.ts), which interpolate every channel and its derivatives
 * at that cell.
 */
import type { Vec3 } from '../volume/volume.js';

/**
 * `base`: the cell's first corner times C; the fractions inside the cell; per axis 1 where the
 * point lies inside the lattice (0 where it was clamped, so the interpolant does not change along
 * that axis). Written into by `locateCell`, to avoid allocation in voxel loops.
 */
export interface TrilinearCell {
  base: number;
  fx: number;
  fy: number;
  fz: number;
  inX: number;
  inY: number;
  inZ: number;
}

export function trilinearCell(): TrilinearCell {
  return { base: 0, fx: 0, fy: 0, fz: 0, inX: 0, inY: 0, inZ: 0 };
}

/** The cell holding the point (x, y, z) (voxel coordinates), written into `out`. */
export function locateCell(dims: Vec3, C: number, x: number, y: number, z: number, out: TrilinearCell): void {
  const [nx, ny, nz] = dims;
  const px = Math.min(nx - 1, Math.max(0, x));
  const py = Math.min(ny - 1, Math.max(0, y));
  const pz = Math.min(nz - 1, Math.max(0, z));
  const x0 = Math.min(Math.max(0, nx - 2), Math.floor(px));
  const y0 = Math.min(Math.max(0, ny - 2), Math.floor(py));
  const z0 = Math.min(Math.max(0, nz - 2), Math.floor(pz));
  out.fx = px - x0;
  out.fy = py - y0;
  out.fz = pz - z0;
  out.base = (x0 + nx * (y0 + ny * z0)) * C;
  out.inX = x === px && nx > 1 ? 1 : 0;
  out.inY = y === py && ny > 1 ? 1 : 0;
  out.inZ = z === pz && nz > 1 ? 1 : 0;
}

/** Strides (in array elements) to the cell's neighbouring corners along x, y, z (0 on a flat axis). */
export function cornerStrides(dims: Vec3, C: number): Vec3 {
  return [dims[0] > 1 ? C : 0, dims[1] > 1 ? C * dims[0] : 0, dims[2] > 1 ? C * dims[0] * dims[1] : 0];
}
