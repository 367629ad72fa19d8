/**
 * Carrying the template onto the scan's grid from the transform, slice by slice: T evaluated at
 * each voxel of the slice (displacement kept for the result, template coordinates only for the
 * slice), then the template's labels, its image and the grid layer sampled there. One pass per
 * slice instead of a whole-grid array of template coordinates read three times; the kernel pool
 * runs half of the slices on its second thread. The values are those of evaluateOnGrid followed
 * by sampleAtCoordinates and warpedGridPattern.
 */
import type { Grid, VoxelArray } from '../volume/volume.js';
import type { SpatialTransform } from '../registration/transform.js';
import { evaluateSlices } from '../registration/transform.js';
import { sampleInto } from '../kernels/resample.js';
import type { InterpolationMode } from '../kernels/resample.js';
import { warpedGridPattern } from './review-layers.js';

/** The template as the transfer reads it (voxel arrays, possibly in shared memory). */
export interface TransferSource {
  grid: Grid;
  image: VoxelArray;
  labels: VoxelArray;
  /** 'label-linear' (one-hot-linear) or 'nearest'. */
  labelMode: InterpolationMode;
}

/** Arrays on the scan's whole grid that the transfer fills. */
export interface TransferOutput {
  /** u(x) = T(x) − x, LPS mm, interleaved. */
  displacementMm: Float32Array;
  labels: Int32Array;
  warped: Float32Array;
  gridLayer: Uint8Array;
}

/** The output arrays for `target`, in shared memory when asked (for the kernel pool's thread). */
export function transferOutput(target: Grid, shared: boolean): TransferOutput {
  const n = target.dims[0] * target.dims[1] * target.dims[2];
  const buffer = (bytes: number) => (shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes));
  return {
    displacementMm: new Float32Array(buffer(12 * n)),
    labels: new Int32Array(buffer(4 * n)),
    warped: new Float32Array(buffer(4 * n)),
    gridLayer: new Uint8Array(buffer(n)),
  };
}

/** The transfer of slices k0 ≤ k < k1 of `target` into `out`. */
export function transferSlices(t: SpatialTransform, target: Grid, src: TransferSource, k0: number, k1: number, out: TransferOutput): void {
  const slice = target.dims[0] * target.dims[1];
  const coords = new Float32Array(3 * slice);
  for (let k = k0; k < k1; k++) {
    const at = slice * k;
    const displacementMm = out.displacementMm.subarray(3 * at, 3 * (at + slice));
    evaluateSlices(t, target, src.grid, k, k + 1, { displacementMm, sourceIndex: coords }, k);
    sampleInto(src.labels, src.grid.dims, coords, src.labelMode, out.labels.subarray(at, at + slice));
    sampleInto(src.image, src.grid.dims, coords, 'linear', out.warped.subarray(at, at + slice));
    out.gridLayer.set(warpedGridPattern(src.grid, coords), at);
  }
}
