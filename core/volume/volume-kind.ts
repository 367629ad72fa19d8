/** What a file is expected to hold, and the shape checks that follow from it. */
import { LabelWarpError } from '../util/errors.js';
import { sizeProblem } from './read-limits.js';
import type { ReadLimits } from './read-limits.js';

/** What a file is expected to hold; decides the checks made on reading. */
export type VolumeKind = 'image' | 'labels' | 'vector';

/**
 * Refuses anything but a 3D volume (3 values per voxel for 'vector') within the size limits.
 * `dims` are dim[1..7]; `bytesPerValue` turns the voxel count into the claimed data size.
 */
export function checkDimensionality(
  file: string,
  kind: VolumeKind,
  ndim: number,
  dims: number[],
  bytesPerValue = 1,
  limits?: ReadLimits,
): void {
  if (ndim < 3 || dims[0] < 1 || dims[1] < 1 || dims[2] < 1) {
    throw new LabelWarpError(`is ${ndim}-dimensional (${dims.slice(0, Math.max(ndim, 1)).join('×')}); a 3D volume is expected`, file);
  }
  const extra = dims.slice(3, Math.min(ndim, 7)).reduce((a, b) => a * Math.max(1, b), 1);
  if (kind === 'vector') {
    if (extra !== 3) throw new LabelWarpError(`holds ${extra} values per voxel; a 3-vector field is expected`, file);
  } else if (extra > 1) {
    throw new LabelWarpError(
      `is a ${ndim}D volume (${dims.slice(0, ndim).join('×')}); a 3D ${kind === 'labels' ? 'label map' : 'image'} is expected`,
      file,
    );
  }
  const voxels = dims[0] * dims[1] * dims[2] * extra;
  const problem = sizeProblem(dims.slice(0, 3), voxels, voxels * bytesPerValue, limits);
  if (problem) throw new LabelWarpError(problem, file);
}
