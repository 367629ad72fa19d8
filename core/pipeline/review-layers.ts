/**
 * The deformation-grid layer the app shows beside the labels: a grid pattern drawn on the
 * template and carried onto the scan, computed once per run from the transform already evaluated
 * on the scan grid, and stored in the result folder.
 */
import type { Grid } from '../volume/volume.js';
import { trilinearAt } from '../kernels/sample.js';

/** Template voxels on every `every`-th lattice plane (a 3D grid of lines). */
function templatePattern(dims: [number, number, number], every: number): Uint8Array {
  const [nx, ny, nz] = dims;
  const out = new Uint8Array(nx * ny * nz);
  let v = 0;
  for (let k = 0; k < nz; k++)
    for (let j = 0; j < ny; j++) for (let i = 0; i < nx; i++, v++) out[v] = i % every === 0 || j % every === 0 || k % every === 0 ? 1 : 0;
  return out;
}

/**
 * The template's grid pattern on the scan: sampled (trilinear) at the template-grid coordinates
 * of every scan voxel, then thresholded so that lines stay thin where the template is stretched.
 */
export function warpedGridPattern(template: Grid, sourceIndex: Float32Array, every = 6): Uint8Array {
  const [nx, ny, nz] = template.dims;
  const pattern = templatePattern(template.dims, every);
  const out = new Uint8Array(sourceIndex.length / 3);
  for (let v = 0; v < out.length; v++)
    out[v] = trilinearAt(pattern, nx, ny, nz, sourceIndex[3 * v], sourceIndex[3 * v + 1], sourceIndex[3 * v + 2]) > 0.35 ? 1 : 0;
  return out;
}
