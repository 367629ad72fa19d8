/**
 * Carrying the template onto the scan's grid from the transform, slice by slice: T evaluated at
 * each voxel of the slice (displacement kept for the result, template coordinates only for the
 * slice), then the template's labels, its image and the grid layer sampled there in one loop. One
 * pass per slice instead of a whole-grid array of template coordinates read three times; the kernel
 * pool's second thread transfers slices too, each thread claiming the next one until none is left.
 * The values are those of evaluateOnGrid followed by sampleAtCoordinates and warpedGridPattern.
 */
import type { Grid, VoxelArray } from '../volume/volume.js';
import type { SpatialTransform } from '../registration/transform.js';
import { evaluateSlices } from '../registration/transform.js';
import { sampleInto } from '../kernels/resample.js';
import type { InterpolationMode } from '../kernels/resample.js';
import { warpedGridPattern } from './review-layers.js';
import { cornersAgree, labelLinearAt, trilinearAt, trilinearInterior } from '../kernels/sample.js';

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
  /** The same field component by component (all x, then all y, then all z: NIfTI's order, written as is). */
  displacementByComponent: Float32Array;
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
    displacementByComponent: new Float32Array(buffer(12 * n)),
    labels: new Int32Array(buffer(4 * n)),
    warped: new Float32Array(buffer(4 * n)),
    gridLayer: new Uint8Array(buffer(n)),
  };
}

/** The transfer of slices k0 ≤ k < k1 of `target` into `out`. */
export function transferSlices(t: SpatialTransform, target: Grid, src: TransferSource, k0: number, k1: number, out: TransferOutput): void {
  let k = k0;
  transferEach(t, target, src, () => (k < k1 ? k++ : -1), out);
}

/**
 * The transfer of the slices claimed one at a time from a counter shared by the threads that take
 * part (Atomics): each thread takes the next slice until none is left, so a slower or busier
 * thread simply does fewer.
 */
export function transferClaimedSlices(t: SpatialTransform, target: Grid, src: TransferSource, next: Int32Array, out: TransferOutput): void {
  const nz = target.dims[2];
  transferEach(
    t,
    target,
    src,
    () => {
      const k = Atomics.add(next, 0, 1);
      return k < nz ? k : -1;
    },
    out,
  );
}

/** The transfer of each slice `claim` gives, until it gives −1. */
function transferEach(t: SpatialTransform, target: Grid, src: TransferSource, claim: () => number, out: TransferOutput): void {
  const slice = target.dims[0] * target.dims[1];
  const n = slice * target.dims[2];
  const coords = new Float32Array(3 * slice);
  const byComponent = out.displacementByComponent;
  for (let k = claim(); k >= 0; k = claim()) {
    const at = slice * k;
    const displacementMm = out.displacementMm.subarray(3 * at, 3 * (at + slice));
    evaluateSlices(t, target, src.grid, k, k + 1, { displacementMm, sourceIndex: coords }, k);
    for (let v = 0, q = 0; v < slice; v++, q += 3) {
      byComponent[at + v] = displacementMm[q];
      byComponent[n + at + v] = displacementMm[q + 1];
      byComponent[2 * n + at + v] = displacementMm[q + 2];
    }
    sampleTemplate(
      src,
      coords,
      out.labels.subarray(at, at + slice),
      out.warped.subarray(at, at + slice),
      out.gridLayer.subarray(at, at + slice),
    );
  }
}

/**
 * The template's labels, image and grid layer at the template index coordinates `coords`: the
 * values of sampleInto (labels in src.labelMode, image linear) and warpedGridPattern. The grid
 * layer has its own loop (inside the other it costs twice as much).
 */
function sampleTemplate(src: TransferSource, coords: Float32Array, labels: Int32Array, warped: Float32Array, grid: Uint8Array): void {
  if (src.labelMode === 'label-linear') sampleLabelsAndImage(src, coords, labels, warped);
  else {
    sampleInto(src.labels, src.grid.dims, coords, src.labelMode, labels);
    sampleInto(src.image, src.grid.dims, coords, 'linear', warped);
  }
  warpedGridPattern(src.grid, coords, undefined, grid);
}

/**
 * sampleInto's label-linear labels and linear image in one loop that locates each point's cell
 * once (two passes cost about 40 % more).
 */
function sampleLabelsAndImage(src: TransferSource, coords: Float32Array, labels: Int32Array, warped: Float32Array): void {
  const [nx, ny, nz] = src.grid.dims;
  const nxy = nx * ny;
  const { labels: templateLabels, image } = src;
  for (let v = 0, q = 0; v < labels.length; v++, q += 3) {
    const x = coords[q];
    const y = coords[q + 1];
    const z = coords[q + 2];
    const x0 = Math.floor(x);
    const y0 = Math.floor(y);
    const z0 = Math.floor(z);
    if (x0 >= 0 && y0 >= 0 && z0 >= 0 && x0 < nx - 1 && y0 < ny - 1 && z0 < nz - 1) {
      // The cell lies inside the template (most points): trilinearAt's and labelLinearAt's interior paths.
      const b = x0 + nx * y0 + nxy * z0;
      warped[v] = trilinearInterior(image, b, nx, nxy, x - x0, y - y0, z - z0);
      labels[v] = cornersAgree(templateLabels, b, nx, nxy) ? templateLabels[b] : labelLinearAt(templateLabels, nx, ny, nz, x, y, z);
    } else {
      warped[v] = trilinearAt(image, nx, ny, nz, x, y, z);
      labels[v] = labelLinearAt(templateLabels, nx, ny, nz, x, y, z);
    }
  }
}
