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
import { box3 } from './box3.js';

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

/**
 * In-place separable box filter of radius r (clamped borders), i fastest. Along each line a
 * running sum (in doubles) over the original values: start with the clamped window around 0, then
 * per position write sum / (2r + 1) and add the entering value minus the leaving one.
 */
export function boxFilter3d(data: Float32Array, dims: Vec3, r: number): void {
  if (r <= 0) return;
  const [nx, ny, nz] = dims;
  const norm = 1 / (2 * r + 1);
  const line = new Float64Array(nx);
  for (let start = 0; start < data.length; start += nx) {
    for (let q = 0; q < nx; q++) line[q] = data[start + q];
    let sum = 0;
    for (let q = -r; q <= r; q++) sum += line[Math.min(nx - 1, Math.max(0, q))];
    for (let q = 0; q < nx; q++) {
      data[start + q] = sum * norm;
      sum += line[Math.min(nx - 1, q + r + 1)] - line[Math.max(0, q - r)];
    }
  }
  // The j and k lines a whole row (or slice) at a time: the same sums in the same order, read
  // along memory instead of across it.
  const across = new LinesAcross(nx * ny, r);
  for (let k = 0; k < nz; k++) across.filter(data, k * nx * ny, nx, ny, norm);
  across.filter(data, 0, nx * ny, nz, norm);
}

/**
 * The running sums of `width` parallel lines whose values lie in `planes` contiguous rows of
 * `width` (row stride `width`, from `base`), each line filtered as boxFilter3d filters one. The
 * rows that left the window are kept in a ring of r + 1 rows (their places are already written).
 */
class LinesAcross {
  private sums: Float64Array;
  private ring: Float32Array;
  constructor(
    maxWidth: number,
    private readonly r: number,
  ) {
    this.sums = new Float64Array(maxWidth);
    this.ring = new Float32Array((r + 1) * maxWidth);
  }

  filter(data: Float32Array, base: number, width: number, planes: number, norm: number): void {
    const { r, sums, ring } = this;
    for (let l = 0; l < width; l++) {
      let s = 0;
      for (let q = -r; q <= r; q++) s += data[base + width * Math.min(planes - 1, Math.max(0, q)) + l];
      sums[l] = s;
    }
    for (let q = 0; q < planes; q++) {
      const row = base + width * q;
      const kept = (q % (r + 1)) * width;
      for (let l = 0; l < width; l++) {
        ring[kept + l] = data[row + l];
        data[row + l] = sums[l] * norm;
      }
      // After the last row the sums are not used (the entering row would be this one, overwritten).
      if (q === planes - 1) break;
      const entering = base + width * Math.min(planes - 1, q + r + 1);
      const leaving = (Math.max(0, q - r) % (r + 1)) * width;
      for (let l = 0; l < width; l++) sums[l] += data[entering + l] - ring[leaving + l];
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

/** out(x) = (I(x) − I(x + shift))², the shifted voxel clamped at the border. */
function squaredDifferenceShifted(image: Float32Array, dims: Vec3, shift: Vec3, out: Float32Array): void {
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
        const other =
          jIn && i >= lo[0] && i <= hi[0] ? image[v + off] : image[Math.min(nx - 1, Math.max(0, i + shift[0])) + nx * (jj + ny * kk)];
        const diff = image[v] - other;
        out[v] = diff * diff;
      }
    }
  }
}

/**
 * Channel c of `out` (C channels, channel fastest) = src read at x + shift (clamped at the
 * border), added to `sums`: row by row, the clamped part of each row apart from the rest.
 */
function gatherShifted(src: Float32Array, dims: Vec3, shift: Vec3, out: Float32Array, C: number, c: number, sums: Float64Array): void {
  const [nx, ny, nz] = dims;
  const [sx, sy, sz] = shift;
  // i + sx lies inside the row for iLo ≤ i < iHi.
  const iLo = Math.min(nx, Math.max(0, -sx));
  const iHi = Math.max(iLo, Math.min(nx, nx - sx));
  let v = 0;
  for (let k = 0; k < nz; k++) {
    const kk = Math.min(nz - 1, Math.max(0, k + sz));
    for (let j = 0; j < ny; j++, v += nx) {
      const row = nx * (Math.min(ny - 1, Math.max(0, j + sy)) + ny * kk);
      const first = src[row];
      const last = src[row + nx - 1];
      for (let i = 0; i < iLo; i++) {
        out[(v + i) * C + c] = first;
        sums[v + i] += first;
      }
      for (let i = iLo, q = row + iLo + sx; i < iHi; i++, q++) {
        const val = src[q];
        out[(v + i) * C + c] = val;
        sums[v + i] += val;
      }
      for (let i = iHi; i < nx; i++) {
        out[(v + i) * C + c] = last;
        sums[v + i] += last;
      }
    }
  }
}

/**
 * `stride`: values per voxel of the output (≥ 12); MIND fills the first 12 of each voxel and leaves
 * the others to the caller (e.g. an intensity channel after them, without a copy).
 */
export function mindSsc(
  image: Float32Array,
  dims: Vec3,
  options: MindOptions = {},
  into?: Float32Array,
  stride: number = MIND_CHANNELS,
): Float32Array {
  const d = options.dilation ?? 1;
  const r = options.radius ?? 1;
  const [nx, ny, nz] = dims;
  const n = nx * ny * nz;
  const C = MIND_CHANNELS;
  if (!(Number.isInteger(stride) && stride >= C)) throw new Error(`mindSsc: a stride of ${stride} cannot hold ${C} channels`);
  if (into && into.length !== n * stride) throw new Error(`mindSsc: the output has ${into.length} values, not ${n * stride}`);
  const out = into ?? new Float32Array(n * stride);
  const tmp = new Float32Array(n);
  // D_ab(x) = box[S_δ](x + a) with S_δ(y) = (I(y) − I(y + δ))², δ = b − a. Since S_−δ(y) = S_δ(y − δ),
  // the 12 pairs need only 6 filtered images: D_ab(x) = box[S_−δ](x + b) when −δ is the one kept.
  const filtered = new Map<string, Float32Array>();
  let scratch: [Float32Array, Float32Array] | undefined;
  const squaredDifference = (delta: Vec3): Float32Array => {
    const key = delta.join(',');
    let f = filtered.get(key);
    if (f) return f;
    f = new Float32Array(n);
    squaredDifferenceShifted(image, dims, delta, f);
    if (r === 1) {
      // The 3-tap filter out of place (faster; the same values up to rounding).
      scratch ??= [new Float32Array(n), new Float32Array(n)];
      box3(f, dims, scratch[0], scratch[1]);
      [f, scratch[0]] = [scratch[0], f];
    } else boxFilter3d(f, dims, r);
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
  // The 12 distances (clamped at the border), a channel at a time, their sums in channel order;
  // then the mean over channels, V, and exp(−D/V).
  const sums = new Float64Array(n);
  for (let c = 0; c < C; c++) gatherShifted(sources[c], dims, shifts[c], out, stride, c, sums);
  let meanV = 0;
  for (let v = 0; v < n; v++) {
    tmp[v] = sums[v] / C;
    meanV += tmp[v];
  }
  meanV /= n;
  const lo = 0.001 * meanV + 1e-12;
  const hi = 1000 * meanV + 1e-12;
  for (let w = 0; w < n; w++) {
    const invV = 1 / Math.min(hi, Math.max(lo, tmp[w]));
    let max = 0;
    const o = w * stride;
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
