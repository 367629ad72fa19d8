/**
 * Resampling a volume onto another volume's world grid, optionally through a spatial mapping
 * (target world → source world). Images: trilinear; label maps: nearest or one-hot-linear.
 */
import { createVolume, gridOf, multiply4, worldToIndexMatrix, indexToWorldMatrix, voxelCount } from '../volume/volume.js';
import type { Grid, Volume } from '../volume/volume.js';
import { labelLinearAt, nearestAt, trilinearAt } from './sample.js';

export type InterpolationMode = 'linear' | 'nearest' | 'label-linear';

/**
 * Source voxel-index coordinates (x,y,z interleaved, Float32Array of 3·N) for every voxel of
 * `target`, given a 4×4 row-major affine from target world to source world (identity if omitted).
 */
export function sourceIndexCoordinatesAffine(target: Grid, source: Grid, targetWorldToSourceWorld?: ArrayLike<number>): Float32Array {
  let m = indexToWorldMatrix(target);
  if (targetWorldToSourceWorld) m = multiply4(targetWorldToSourceWorld, m);
  m = multiply4(worldToIndexMatrix(source), m);
  const [nx, ny, nz] = target.dims;
  const out = new Float32Array(nx * ny * nz * 3);
  let o = 0;
  for (let k = 0; k < nz; k++)
    for (let j = 0; j < ny; j++) {
      let x = m[1] * j + m[2] * k + m[3];
      let y = m[5] * j + m[6] * k + m[7];
      let z = m[9] * j + m[10] * k + m[11];
      for (let i = 0; i < nx; i++) {
        out[o++] = x;
        out[o++] = y;
        out[o++] = z;
        x += m[0];
        y += m[4];
        z += m[8];
      }
    }
  return out;
}

/** Samples `source` at the given index coordinates, producing a volume on `target`'s grid. */
export function sampleAtCoordinates(source: Volume, target: Grid, coords: Float32Array, mode: InterpolationMode): Volume {
  const n = voxelCount(target);
  if (coords.length !== 3 * n) throw new Error('coordinate array does not match the target grid');
  if (source.components !== 1) throw new Error('only scalar volumes can be resampled');
  const out = mode === 'linear' ? new Float32Array(n) : new Int32Array(n);
  sampleInto(source.data, source.dims, coords, mode, out);
  return createVolume(gridOf(target), out);
}

/**
 * The kernel of sampleAtCoordinates: `out[v]` for every v from the scalar voxels `src` (dims
 * `dims`) at coords[3v…3v+2]; Float32 for 'linear', Int32 labels otherwise.
 */
export function sampleInto(
  src: ArrayLike<number>,
  dims: readonly [number, number, number] | number[],
  coords: Float32Array,
  mode: InterpolationMode,
  out: Float32Array | Int32Array,
): void {
  const [nx, ny, nz] = dims;
  const n = out.length;
  // Separate loops keep each call site monomorphic (the interpolation inlined).
  if (mode === 'linear') {
    for (let v = 0; v < n; v++) out[v] = trilinearAt(src, nx, ny, nz, coords[3 * v], coords[3 * v + 1], coords[3 * v + 2]);
  } else if (mode === 'nearest') {
    for (let v = 0; v < n; v++) out[v] = nearestAt(src, nx, ny, nz, coords[3 * v], coords[3 * v + 1], coords[3 * v + 2]);
  } else {
    for (let v = 0; v < n; v++) out[v] = labelLinearAt(src, nx, ny, nz, coords[3 * v], coords[3 * v + 1], coords[3 * v + 2]);
  }
}

/** Resamples `source` onto `target`'s grid through an affine map target world → source world. */
export function resampleAffine(
  source: Volume,
  target: Grid,
  mode: InterpolationMode,
  targetWorldToSourceWorld?: ArrayLike<number>,
): Volume {
  return sampleAtCoordinates(source, target, sourceIndexCoordinatesAffine(target, source, targetWorldToSourceWorld), mode);
}

/** Resamples onto another grid of the same physical space (no transform). */
export function resampleToGrid(source: Volume, target: Grid, mode: InterpolationMode): Volume {
  return resampleAffine(source, target, mode);
}
