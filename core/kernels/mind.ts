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

// exp(−t) by linear interpolation in a table over [0, 16] (absolute error < 2e-5; 0 beyond).
const EXP_STEPS = 4096;
const EXP_MAX = 16;
const EXP_TABLE = Float64Array.from({ length: EXP_STEPS + 2 }, (_, i) => Math.exp(-(i * EXP_MAX) / EXP_STEPS));
function expNeg(t: number): number {
  const x = t * (EXP_STEPS / EXP_MAX);
  if (!(x < EXP_STEPS)) return 0;
  const i = x | 0;
  const f = x - i;
  return EXP_TABLE[i] + f * (EXP_TABLE[i + 1] - EXP_TABLE[i]);
}

export interface MindOptions {
  /** Neighbour distance in voxels (default 1). */
  dilation?: number;
  /** Patch (box) radius in voxels (default 1). */
  radius?: number;
}

/** Reads `src` shifted by `shift` voxels (clamped at the border) into channel c of `out`. */
function readShifted(src: Float32Array, dims: Vec3, shift: Vec3, out: Float32Array, C: number, c: number): void {
  const [nx, ny, nz] = dims;
  const off = shift[0] + nx * (shift[1] + ny * shift[2]);
  const lo = shift.map((s) => Math.max(0, -s));
  const hi = shift.map((s, a) => dims[a] - 1 - Math.max(0, s));
  let v = 0;
  for (let k = 0; k < nz; k++) {
    const kIn = k >= lo[2] && k <= hi[2];
    const kk = Math.min(nz - 1, Math.max(0, k + shift[2]));
    for (let j = 0; j < ny; j++) {
      const jIn = kIn && j >= lo[1] && j <= hi[1];
      const jj = Math.min(ny - 1, Math.max(0, j + shift[1]));
      for (let i = 0; i < nx; i++, v++) {
        if (jIn && i >= lo[0] && i <= hi[0]) out[v * C + c] = src[v + off];
        else out[v * C + c] = src[Math.min(nx - 1, Math.max(0, i + shift[0])) + nx * (jj + ny * kk)];
      }
    }
  }
}

export function mindSsc(image: Float32Array, dims: Vec3, options: MindOptions = {}): Float32Array {
  const d = options.dilation ?? 1;
  const r = options.radius ?? 1;
  const [nx, ny, nz] = dims;
  const n = nx * ny * nz;
  const C = MIND_CHANNELS;
  const out = new Float32Array(n * C);
  const tmp = new Float32Array(n);
  // D_ab(x) = box[S_δ](x + a) with S_δ(y) = (I(y) − I(y + δ))², δ = b − a. Since S_−δ(y) = S_δ(y − δ),
  // the 12 pairs need only 6 filtered images: D_ab(x) = box[S_−δ](x + b) when −δ is the one kept.
  const filtered = new Map<string, Float32Array>();
  const squaredDifference = (delta: Vec3): Float32Array => {
    const key = delta.join(',');
    let f = filtered.get(key);
    if (f) return f;
    f = new Float32Array(n);
    const shifted = new Float32Array(n);
    readShifted(image, dims, delta, shifted, 1, 0);
    for (let v = 0; v < n; v++) {
      const diff = image[v] - shifted[v];
      f[v] = diff * diff;
    }
    boxFilter3d(f, dims, r);
    filtered.set(key, f);
    return f;
  };
  // Each channel reads one filtered image at a shift; gather them once.
  const sources: Float32Array[] = [];
  const shifts: Vec3[] = [];
  for (let c = 0; c < C; c++) {
    const [a, b] = SSC_PAIRS[c];
    const delta = [0, 1, 2].map((q) => d * (b[q] - a[q])) as Vec3;
    const firstNonZero = delta.find((x) => x !== 0) ?? 1;
    if (firstNonZero > 0) {
      sources.push(squaredDifference(delta));
      shifts.push([d * a[0], d * a[1], d * a[2]]);
    } else {
      sources.push(squaredDifference(delta.map((x) => -x) as Vec3));
      shifts.push([d * b[0], d * b[1], d * b[2]]);
    }
  }
  const offsets = shifts.map((sh) => sh[0] + nx * (sh[1] + ny * sh[2]));
  // One pass: read the 12 distances (clamped at the border), their mean, then exp(−D/V).
  let meanV = 0;
  let v = 0;
  for (let k = 0; k < nz; k++)
    for (let j = 0; j < ny; j++)
      for (let i = 0; i < nx; i++, v++) {
        const interior = i >= d && i < nx - d && j >= d && j < ny - d && k >= d && k < nz - d;
        let sum = 0;
        for (let c = 0; c < C; c++) {
          let val: number;
          if (interior) val = sources[c][v + offsets[c]];
          else {
            const sh = shifts[c];
            const ii = Math.min(nx - 1, Math.max(0, i + sh[0]));
            const jj = Math.min(ny - 1, Math.max(0, j + sh[1]));
            const kk = Math.min(nz - 1, Math.max(0, k + sh[2]));
            val = sources[c][ii + nx * (jj + ny * kk)];
          }
          out[v * C + c] = val;
          sum += val;
        }
        tmp[v] = sum / C;
        meanV += tmp[v];
      }
  meanV /= n;
  const lo = 0.001 * meanV + 1e-12;
  const hi = 1000 * meanV + 1e-12;
  for (let w = 0; w < n; w++) {
    const invV = 1 / Math.min(hi, Math.max(lo, tmp[w]));
    let max = 0;
    const o = w * C;
    for (let c = 0; c < C; c++) {
      const e = expNeg(out[o + c] * invV);
      out[o + c] = e;
      if (e > max) max = e;
    }
    const inv = max > 0 ? 1 / max : 0;
    for (let c = 0; c < C; c++) out[o + c] *= inv;
  }
  return out;
}
