/**
 * The deformation-grid layer the app shows beside the labels: the template's lattice planes (every
 * `every`-th) carried onto the scan, computed once per run from the transform already evaluated on
 * the scan grid, and stored in the result folder.
 */
import type { Grid } from '../volume/volume.js';

const THRESHOLD = 0.5;

/** Bit of each family of template lattice planes in the grid layer: planes i = const, j = const, k = const. */
export const GRID_FAMILY_BITS = [1, 2, 4] as const;

/** Share of a lattice plane (every `every`-th) in the linear interpolation along one axis at t. */
function planeWeight(t: number, every: number): number {
  const r = t - every * Math.floor(t / every); // distance past the plane below
  return r < 1 ? 1 - r : r > every - 1 ? r - (every - 1) : 0;
}

/**
 * The template's lattice planes (every `every`-th along each axis) carried onto the scan: for every
 * scan voxel inside the template, bit f (GRID_FAMILY_BITS) is set where the trilinear
 * interpolation of the planes of family f alone, at the voxel's template-grid coordinates, exceeds
 * 0.5 (lines one voxel wide, thin also where the template is stretched). Keeping the families apart lets a
 * viewer leave out the planes that lie in its slice (they would fill it) and draw the other two as
 * lines. 0 outside the template. Written into `out` where given (e.g. a slice of a whole-grid layer).
 */
export function warpedGridPattern(
  template: Grid,
  sourceIndex: Float32Array,
  every = 8,
  out: Uint8Array = new Uint8Array(sourceIndex.length / 3),
): Uint8Array {
  const [xMax, yMax, zMax] = template.dims.map((d) => d - 1);
  const [bx, by, bz] = GRID_FAMILY_BITS;
  for (let v = 0, q = 0; v < out.length; v++, q += 3) {
    const x = sourceIndex[q];
    const y = sourceIndex[q + 1];
    const z = sourceIndex[q + 2];
    // Outside the template on any axis: 0 (the three axes unrolled; the same tests as one loop).
    out[v] =
      x >= 0 && x <= xMax && y >= 0 && y <= yMax && z >= 0 && z <= zMax
        ? (planeWeight(x, every) > THRESHOLD ? bx : 0) |
          (planeWeight(y, every) > THRESHOLD ? by : 0) |
          (planeWeight(z, every) > THRESHOLD ? bz : 0)
        : 0;
  }
  return out;
}
