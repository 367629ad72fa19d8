/**
 * The 3-tap box filter (radius 1, edge-clamped, separable) out of place: a fast path for the
 * discrete search's per-displacement cost images, which are many and small. The same filter as
 * boxFilter3d(·, ·, 1) up to rounding (direct three-term sums instead of running sums).
 */
import type { Vec3 } from '../volume/volume.js';

const THIRD = 1 / 3;

/** Along i: src → dst. */
function alongRows(src: Float32Array, dst: Float32Array, nx: number, rows: number): void {
  if (nx === 1) {
    dst.set(src.subarray(0, rows));
    return;
  }
  for (let r = 0, o = 0; r < rows; r++, o += nx) {
    dst[o] = (2 * src[o] + src[o + 1]) * THIRD;
    for (let i = 1; i < nx - 1; i++) dst[o + i] = (src[o + i - 1] + src[o + i] + src[o + i + 1]) * THIRD;
    dst[o + nx - 1] = (src[o + nx - 2] + 2 * src[o + nx - 1]) * THIRD;
  }
}

/** Across lines of `len` values, `count` of them per block, `blocks` blocks: src → dst. */
function acrossLines(src: Float32Array, dst: Float32Array, len: number, count: number, blocks: number): void {
  for (let b = 0; b < blocks; b++) {
    const base = b * len * count;
    for (let q = 0; q < count; q++) {
      const prev = base + len * Math.max(0, q - 1);
      const cur = base + len * q;
      const next = base + len * Math.min(count - 1, q + 1);
      for (let i = 0; i < len; i++) dst[cur + i] = (src[prev + i] + src[cur + i] + src[next + i]) * THIRD;
    }
  }
}

/** dst = the 3×3×3 box average of src (clamped at the border); `scratch` has src's length. */
export function box3(src: Float32Array, dims: Vec3, dst: Float32Array, scratch: Float32Array): void {
  const [nx, ny, nz] = dims;
  alongRows(src, dst, nx, ny * nz);
  acrossLines(dst, scratch, nx, ny, nz);
  acrossLines(scratch, dst, nx * ny, nz, 1);
}
