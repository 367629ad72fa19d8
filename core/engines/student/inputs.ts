/**
 * What the student sees and returns, shared by training and inference: the network grid (the
 * scan's box with dims divisible by 16), both images resampled onto it and normalised, and the
 * conversion of the predicted field (voxels of that grid) to a world-millimetre transform.
 */
import { gridOf, indexToWorldMatrix } from '../../volume/volume.js';
import type { Grid, Vec3, Volume } from '../../volume/volume.js';
import { resampleToGrid } from '../../kernels/resample.js';
import { normalizeRobust } from '../../kernels/intensity.js';
import { displacementIndexToWorld, displacementWorldToIndex } from '../../kernels/warp.js';
import { DisplacementFieldTransform } from '../../registration/transform.js';

/** The scan's box (same corners, direction) sampled with `dims` voxels. */
export function networkGrid(scan: Grid, dims: Vec3): Grid {
  const spacing = scan.spacing.map((s, a) => (s * scan.dims[a]) / dims[a]) as Vec3;
  // The first voxel centre sits half a new voxel inside the box's corner.
  const corner = indexToWorldMatrix(scan);
  const half = [0, 1, 2].map((a) => (spacing[a] / scan.spacing[a] - 1) / 2);
  const origin = [0, 1, 2].map(
    (r) => corner[4 * r] * half[0] + corner[4 * r + 1] * half[1] + corner[4 * r + 2] * half[2] + corner[4 * r + 3],
  ) as Vec3;
  return { dims: [...dims] as Vec3, spacing, origin, direction: [...scan.direction] as Grid['direction'] };
}

export interface StudentInputs {
  grid: Grid;
  /** Normalised template (already on the scan: pre-aligned) and scan, on `grid`. */
  template: Float32Array;
  scan: Float32Array;
}

/** `movingOnFixed`: the template already brought onto the scan's grid (by the pre-alignment). */
export function studentInputs(fixed: Volume, movingOnFixed: Volume, dims: Vec3): StudentInputs {
  const grid = networkGrid(fixed, dims);
  const on = (v: Volume) => normalizeRobust(resampleToGrid({ ...v, ...gridOf(fixed) }, grid, 'linear').data);
  return { grid, template: on(movingOnFixed), scan: on(fixed) };
}

/** Interleaves two images as the network's 2-channel input (template, scan). */
export function interleaveInputs(inputs: StudentInputs): Float32Array {
  const n = inputs.template.length;
  const out = new Float32Array(2 * n);
  for (let v = 0; v < n; v++) {
    out[2 * v] = inputs.template[v];
    out[2 * v + 1] = inputs.scan[v];
  }
  return out;
}

/** The predicted field (grid voxels, x, y, z) as a transform of scan world points (LPS mm). */
export function fieldTransform(grid: Grid, fieldVoxels: Float32Array): DisplacementFieldTransform {
  return new DisplacementFieldTransform(grid, displacementIndexToWorld(grid, fieldVoxels));
}

export function fieldToVoxels(grid: Grid, fieldMm: Float32Array): Float32Array {
  return displacementWorldToIndex(grid, fieldMm);
}
