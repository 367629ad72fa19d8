/**
 * MIND-SSC descriptors (Heinrich et al.: modality independent neighbourhood descriptor with
 * self-similarity context) on typed arrays.
 *
 * For the six neighbours at distance `dilation` along ±i, ±j, ±k, the 12 pairs of neighbours that
 * lie on different axes give 12 patch distances D_c(x) = box_r[(I(x+a) − I(x+b))²]. With the local
 * variance estimate V(x) = mean_c D_c(x) (clamped to [0.001, 1000]·its mean over the image), the
 * descriptor is exp(−D_c / V), divided by its maximum over the 12 channels. Output layout:
 * channel fastest (12 values per voxel).
 */
import type { Vec3 } from '../volume/volume.js';

export const MIND_CHANNELS = 12;

const NEIGHBOURS: Vec3[] = [
  [1, 0, 0],
  [-1, 0, 0],
  [0, 1, 0],
  [0, -1, 0],
  [0, 0, 1],
  [0, 0, -1],
];

/** The 12 pairs (a, b) of neighbour offsets on different axes. */
export const SSC_PAIRS: [Vec3, Vec3][] = (() => {
  const out: [Vec3, Vec3][] = [];
  for (let a = 0; a < 6; a++)
    for (let b = a + 1; b < 6; b++) {
      if (Math.floor(a / 2) === Math.floor(b / 2)) continue;
      out.push([NEIGHBOURS[a], NEIGHBOURS[b]]);
    }
  return out;
})();

/** In-place separable box filter of radius r (clamped borders), i fastest. */
export function boxFilter3d(data: Float32Array, dims: Vec3, r: number): void {
  if (r <= 0) return;
  const [nx, ny, nz] = dims;
  const nmax = Math.max(nx, ny, nz);
  const line = new Float64Array(nmax);
  const strides = [1, nx, nx * ny];
  const sizes = [nx, ny, nz];
  for (let axis = 0; axis < 3; axis++) {
    const n = sizes[axis];
    const stride = strides[axis];
    const others = [0, 1, 2].filter((a) => a !== axis);
    const n1 = sizes[others[0]];
    const n2 = sizes[others[1]];
    const s1 = strides[others[0]];
    const s2 = strides[others[1]];
    const norm = 1 / (2 * r + 1);
    for (let b = 0; b < n2; b++)
      for (let a = 0; a < n1; a++) {
        const start = a * s1 + b * s2;
        for (let q = 0; q < n; q++) line[q] = data[start + q * stride];
        // running sum with clamped indices
        let sum = 0;
        for (let q = -r; q <= r; q++) sum += line[Math.min(n - 1, Math.max(0, q))];
        for (let q = 0; q < n; q++) {
          data[start + q * stride] = sum * norm;
          sum += line[Math.min(n - 1, q + r + 1)] - line[Math.max(0, q - r)];
        }
      }
  }
}

export interface MindOptions {
  /** Neighbour distance in voxels (default 1). */
  dilation?: number;
  /** Patch (box) radius in voxels (default 1). */
  radius?: number;
}

export function mindSsc(image: Float32Array, dims: Vec3, options: MindOptions = {}): Float32Array {
  const d = options.dilation ?? 1;
  const r = options.radius ?? 1;
  const [nx, ny, nz] = dims;
  const n = nx * ny * nz;
  const C = MIND_CHANNELS;
  const out = new Float32Array(n * C);
  const tmp = new Float32Array(n);
  const clampIdx = (i: number, j: number, k: number) =>
    Math.min(nx - 1, Math.max(0, i)) + nx * (Math.min(ny - 1, Math.max(0, j)) + ny * Math.min(nz - 1, Math.max(0, k)));
  for (let c = 0; c < C; c++) {
    const [a, b] = SSC_PAIRS[c];
    let v = 0;
    for (let k = 0; k < nz; k++)
      for (let j = 0; j < ny; j++)
        for (let i = 0; i < nx; i++, v++) {
          const diff = image[clampIdx(i + d * a[0], j + d * a[1], k + d * a[2])] - image[clampIdx(i + d * b[0], j + d * b[1], k + d * b[2])];
          tmp[v] = diff * diff;
        }
    boxFilter3d(tmp, dims, r);
    for (let v2 = 0; v2 < n; v2++) out[v2 * C + c] = tmp[v2];
  }
  // Variance estimate and its global mean.
  let meanV = 0;
  for (let v = 0; v < n; v++) {
    let s = 0;
    for (let c = 0; c < C; c++) s += out[v * C + c];
    tmp[v] = s / C;
    meanV += tmp[v];
  }
  meanV /= n;
  const lo = 0.001 * meanV + 1e-12;
  const hi = 1000 * meanV + 1e-12;
  for (let v = 0; v < n; v++) {
    const V = Math.min(hi, Math.max(lo, tmp[v]));
    let max = 0;
    for (let c = 0; c < C; c++) {
      const e = Math.exp(-out[v * C + c] / V);
      out[v * C + c] = e;
      if (e > max) max = e;
    }
    const inv = max > 0 ? 1 / max : 0;
    for (let c = 0; c < C; c++) out[v * C + c] *= inv;
  }
  return out;
}
