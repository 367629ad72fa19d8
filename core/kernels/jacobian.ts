/**
 * Jacobian determinant of the mapping φ(x) = x + u(x), for u in world millimetres on `grid`.
 * Derivatives by central differences in index space (one-sided at the border), converted to
 * world derivatives through the grid's direction and spacing, so the value is physical.
 * The same definition in tfjs ops, differentiable, is core/tensor/jacobian-op.ts.
 */
import type { Grid, Vec3 } from '../volume/volume.js';
import { displacementWorldToIndex } from './warp.js';

/**
 * det(I + ∇w) at voxel (i, j, k) for a displacement w in voxel units (interleaved, 3 per voxel) on
 * a lattice of `dims`: central differences inside, one-sided at the border, 0 along a flat axis.
 */
export function jacobianDeterminantAt(w: Float32Array, dims: Vec3, i: number, j: number, k: number): number {
  const [nx, ny, nz] = dims;
  const v = i + nx * (j + ny * k);
  const nxy = nx * ny;
  const xl = i > 0 ? v - 1 : v;
  const xh = i < nx - 1 ? v + 1 : v;
  const yl = j > 0 ? v - nx : v;
  const yh = j < ny - 1 ? v + nx : v;
  const zl = k > 0 ? v - nxy : v;
  const zh = k < nz - 1 ? v + nxy : v;
  const hx = nx > 1 ? 1 / (i > 0 && i < nx - 1 ? 2 : 1) : 0;
  const hy = ny > 1 ? 1 / (j > 0 && j < ny - 1 ? 2 : 1) : 0;
  const hz = nz > 1 ? 1 / (k > 0 && k < nz - 1 ? 2 : 1) : 0;
  // d_ca = ∂(x_c + w_c)/∂x_a
  const d00 = 1 + (w[3 * xh] - w[3 * xl]) * hx;
  const d01 = (w[3 * yh] - w[3 * yl]) * hy;
  const d02 = (w[3 * zh] - w[3 * zl]) * hz;
  const d10 = (w[3 * xh + 1] - w[3 * xl + 1]) * hx;
  const d11 = 1 + (w[3 * yh + 1] - w[3 * yl + 1]) * hy;
  const d12 = (w[3 * zh + 1] - w[3 * zl + 1]) * hz;
  const d20 = (w[3 * xh + 2] - w[3 * xl + 2]) * hx;
  const d21 = (w[3 * yh + 2] - w[3 * yl + 2]) * hy;
  const d22 = 1 + (w[3 * zh + 2] - w[3 * zl + 2]) * hz;
  return d00 * (d11 * d22 - d12 * d21) - d01 * (d10 * d22 - d12 * d20) + d02 * (d10 * d21 - d11 * d20);
}

/**
 * jacobianDeterminantAt along the interior of row (j, k) (0 < i < nx − 1, with 0 < j < ny − 1 and
 * 0 < k < nz − 1): central differences everywhere, the same terms in the same order.
 */
function interiorRow(w: Float32Array, out: Float32Array, nx: number, nxy: number, rowStart: number): void {
  for (let v = rowStart + 1; v < rowStart + nx - 1; v++) {
    const x = 3 * v;
    const sy = 3 * nx;
    const sz = 3 * nxy;
    const d00 = 1 + (w[x + 3] - w[x - 3]) * 0.5;
    const d01 = (w[x + sy] - w[x - sy]) * 0.5;
    const d02 = (w[x + sz] - w[x - sz]) * 0.5;
    const d10 = (w[x + 4] - w[x - 2]) * 0.5;
    const d11 = 1 + (w[x + sy + 1] - w[x - sy + 1]) * 0.5;
    const d12 = (w[x + sz + 1] - w[x - sz + 1]) * 0.5;
    const d20 = (w[x + 5] - w[x - 1]) * 0.5;
    const d21 = (w[x + sy + 2] - w[x - sy + 2]) * 0.5;
    const d22 = 1 + (w[x + sz + 2] - w[x - sz + 2]) * 0.5;
    out[v] = d00 * (d11 * d22 - d12 * d21) - d01 * (d10 * d22 - d12 * d20) + d02 * (d10 * d21 - d11 * d20);
  }
}

/** det(I + ∇w) at every voxel, for a displacement w in voxel units (into `out` when given). */
export function jacobianDeterminantIndex(
  w: Float32Array,
  dims: Vec3,
  out: Float32Array = new Float32Array(dims[0] * dims[1] * dims[2]),
): Float32Array {
  const [nx, ny, nz] = dims;
  const nxy = nx * ny;
  for (let k = 0; k < nz; k++)
    for (let j = 0; j < ny; j++) {
      const row = nx * (j + ny * k);
      const inside = nx > 2 && j > 0 && j < ny - 1 && k > 0 && k < nz - 1;
      if (!inside) {
        for (let i = 0; i < nx; i++) out[row + i] = jacobianDeterminantAt(w, dims, i, j, k);
        continue;
      }
      out[row] = jacobianDeterminantAt(w, dims, 0, j, k);
      interiorRow(w, out, nx, nxy, row);
      out[row + nx - 1] = jacobianDeterminantAt(w, dims, nx - 1, j, k);
    }
  return out;
}

/** det J of x ↦ x + u(x) on `grid` (into `out` when given, e.g. an array in shared memory). */
export function jacobianDeterminant(grid: Grid, fieldMm: Float32Array, out?: Float32Array): Float32Array {
  // Work in index units: φ_idx(p) = p + w(p) with w = A⁻¹u; det(Dφ_world) = det(I + Dw) because
  // Dφ_world = A (I + Dw) A⁻¹.
  return jacobianDeterminantIndex(displacementWorldToIndex(grid, fieldMm), grid.dims, out);
}
