/**
 * Jacobian determinant of the mapping φ(x) = x + u(x), for u in world millimetres on `grid`.
 * Derivatives by central differences in index space (one-sided at the border), converted to
 * world derivatives through the grid's direction and spacing, so the value is physical.
 */
import type { Grid } from '../volume/volume.js';
import { displacementWorldToIndex } from './warp.js';

export function jacobianDeterminant(grid: Grid, fieldMm: Float32Array): Float32Array {
  // Work in index units: φ_idx(p) = p + w(p) with w = A⁻¹u; det(Dφ_world) = det(I + Dw) because
  // Dφ_world = A (I + Dw) A⁻¹.
  const w = displacementWorldToIndex(grid, fieldMm);
  const [nx, ny, nz] = grid.dims;
  const nxy = nx * ny;
  const out = new Float32Array(nx * ny * nz);
  // d[c·3 + a] = ∂w_c/∂index_a + δ_ca; central differences inside, one-sided at the border.
  const d = new Float64Array(9);
  const derivative = (a: number, lo: number, hi: number, h: number) => {
    for (let c = 0; c < 3; c++) d[c * 3 + a] = (w[3 * hi + c] - w[3 * lo + c]) / h + (c === a ? 1 : 0);
  };
  const flat = (a: number) => {
    for (let c = 0; c < 3; c++) d[c * 3 + a] = c === a ? 1 : 0;
  };
  let v = 0;
  for (let k = 0; k < nz; k++)
    for (let j = 0; j < ny; j++)
      for (let i = 0; i < nx; i++, v++) {
        if (nx > 1) derivative(0, i > 0 ? v - 1 : v, i < nx - 1 ? v + 1 : v, i > 0 && i < nx - 1 ? 2 : 1);
        else flat(0);
        if (ny > 1) derivative(1, j > 0 ? v - nx : v, j < ny - 1 ? v + nx : v, j > 0 && j < ny - 1 ? 2 : 1);
        else flat(1);
        if (nz > 1) derivative(2, k > 0 ? v - nxy : v, k < nz - 1 ? v + nxy : v, k > 0 && k < nz - 1 ? 2 : 1);
        else flat(2);
        out[v] = d[0] * (d[4] * d[8] - d[5] * d[7]) - d[1] * (d[3] * d[8] - d[5] * d[6]) + d[2] * (d[3] * d[7] - d[4] * d[6]);
      }
  return out;
}
