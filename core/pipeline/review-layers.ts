/**
 * The deformation-grid layer the app shows beside the labels: a grid pattern drawn on the
 * template (every `every`-th lattice plane) and carried onto the scan, computed once per run from
 * the transform already evaluated on the scan grid, and stored in the result folder.
 */
import type { Grid } from '../volume/volume.js';

const THRESHOLD = 0.35;

/** Template lattice value of the pattern (0 outside the template). */
function patternAt(i: number, j: number, k: number, dims: [number, number, number], every: number): number {
  if (i < 0 || j < 0 || k < 0 || i >= dims[0] || j >= dims[1] || k >= dims[2]) return 0;
  return i % every === 0 || j % every === 0 || k % every === 0 ? 1 : 0;
}

/** Trilinear interpolation of the pattern at a continuous template index, corner by corner. */
function patternTrilinear(x: number, y: number, z: number, dims: [number, number, number], every: number): number {
  const x0 = Math.floor(x);
  const y0 = Math.floor(y);
  const z0 = Math.floor(z);
  let s = 0;
  for (let c = 0; c < 8; c++) {
    const dx = c & 1;
    const dy = (c >> 1) & 1;
    const dz = (c >> 2) & 1;
    const w = (dx ? x - x0 : 1 - (x - x0)) * (dy ? y - y0 : 1 - (y - y0)) * (dz ? z - z0 : 1 - (z - z0));
    if (w !== 0) s += w * patternAt(x0 + dx, y0 + dy, z0 + dz, dims, every);
  }
  return s;
}

/** Share of a lattice plane (every `every`-th) in the linear interpolation along one axis at t. */
function planeWeight(t: number, every: number): number {
  const r = t - every * Math.floor(t / every); // distance past the plane below
  return r < 1 ? 1 - r : r > every - 1 ? r - (every - 1) : 0;
}

/**
 * The template's grid pattern on the scan: its trilinear interpolation at the template-grid
 * coordinates of every scan voxel, thresholded so that lines stay thin where the template is
 * stretched. The pattern is the union of three families of planes, so inside the template the
 * interpolation factorises: 1 − Π over the axes of (1 − that axis' plane weight).
 */
export function warpedGridPattern(template: Grid, sourceIndex: Float32Array, every = 6): Uint8Array {
  const dims = template.dims;
  const out = new Uint8Array(sourceIndex.length / 3);
  for (let v = 0; v < out.length; v++) {
    const x = sourceIndex[3 * v];
    const y = sourceIndex[3 * v + 1];
    const z = sourceIndex[3 * v + 2];
    const inside = x >= 0 && y >= 0 && z >= 0 && x <= dims[0] - 1 && y <= dims[1] - 1 && z <= dims[2] - 1;
    const value = inside
      ? 1 - (1 - planeWeight(x, every)) * (1 - planeWeight(y, every)) * (1 - planeWeight(z, every))
      : patternTrilinear(x, y, z, dims, every);
    out[v] = value > THRESHOLD ? 1 : 0;
  }
  return out;
}
