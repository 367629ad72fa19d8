/**
 * A discrete displacement search as the coarse initialisation of Gauss-Newton (after deeds and
 * ConvexAdam's coupled convex optimisation), on typed arrays.
 *
 * On one pooled feature grid, for every voxel x and every integer displacement d with |dᵢ| ≤ R,
 * the cost C(x, d) is the squared feature distance ‖M(x + d) − F(x)‖² averaged over a box patch.
 * Starting from v = 0, for each coupling weight θ in turn (increasing, relative to the mean cost),
 * each voxel takes argmin_d C(x, d) + θ‖d − v(x)‖², the data term coupled convexly to a smooth
 * field, and v becomes the smoothed choice (a first θ = 0 is the plain per-voxel argmin). The
 * result, the last v, is in voxels of that grid.
 *
 * The cost volume is label-major (one image per displacement), so that both passes stream through
 * memory. Labels (for the cost) and voxels (for the argmin) split into ranges, so that a second
 * thread can take one (parallel/kernel-pool.ts); the result does not depend on the split.
 */
import type { Vec3 } from '../volume/volume.js';
import { boxFilter3d } from '../kernels/mind.js';
import { box3 } from '../kernels/box3.js';

export interface DiscreteSearchSettings {
  /** Largest displacement per axis, in voxels of the grid (labels: (2R + 1)³). */
  radius: number;
  /** Only the displacements with ‖d‖² ≤ 1.5 R² (a ball inside the cube: 81 instead of 125 for R = 2). */
  ball: boolean;
  /** Box radius over which the feature distances are averaged. */
  patch: number;
  /** Coupling weights θ, increasing, relative to the mean cost (the field v starts at zero). */
  couplings: number[];
  /** Box radius of the smoothing that gives v (applied twice: close to a Gaussian). */
  smooth: number;
}

export interface CostVolumeData {
  F: Float32Array;
  M: Float32Array;
  C: number;
  dims: Vec3;
  /** The candidate displacements, 3 per label (searchOffsets). */
  offsets: Int32Array;
  patch: number;
  /** n · L values, label-major. */
  cost: Float32Array;
  /** Each label's sum of costs (summed in label order afterwards, so the split does not matter). */
  sums: Float64Array;
}

/**
 * The candidate displacements (labels), 3 values each: the cube |dᵢ| ≤ R, or its ball, by
 * increasing length (zero first). The argmin keeps the first of equal costs, so ties (flat
 * background, where every shift costs the same, or shifts clamped to the same border voxel) go
 * to the shortest displacement.
 */
export function searchOffsets(radius: number, ball: boolean): Int32Array {
  const all: Vec3[] = [];
  for (let dz = -radius; dz <= radius; dz++)
    for (let dy = -radius; dy <= radius; dy++)
      for (let dx = -radius; dx <= radius; dx++) if (!ball || dx * dx + dy * dy + dz * dz <= 1.5 * radius * radius) all.push([dx, dy, dz]);
  const length = (d: Vec3) => d[0] * d[0] + d[1] * d[1] + d[2] * d[2];
  // Array.prototype.sort is stable: equal lengths keep the scan order.
  return Int32Array.from(all.sort((a, b) => length(a) - length(b)).flat());
}

/** Clamped source index along one axis for each index, shifted by d. */
function shifted(n: number, d: number): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.min(n - 1, Math.max(0, i + d));
  return out;
}

/**
 * One row of ‖M(x + d) − F(x)‖² for MIND's 12 channels, written out term by term, and with C = 13
 * the intensity channel after them (mindFeatureExtractor); other C take the general loop.
 */
function squaredDistances12(
  F: Float32Array,
  M: Float32Array,
  C: 12 | 13,
  row: number,
  rowM: number,
  ix: Int32Array,
  nx: number,
  out: Float32Array,
): void {
  for (let i = 0; i < nx; i++) {
    const a = C * (row + i);
    const b = C * (rowM + ix[i]);
    const e0 = M[b] - F[a];
    const e1 = M[b + 1] - F[a + 1];
    const e2 = M[b + 2] - F[a + 2];
    const e3 = M[b + 3] - F[a + 3];
    const e4 = M[b + 4] - F[a + 4];
    const e5 = M[b + 5] - F[a + 5];
    const e6 = M[b + 6] - F[a + 6];
    const e7 = M[b + 7] - F[a + 7];
    const e8 = M[b + 8] - F[a + 8];
    const e9 = M[b + 9] - F[a + 9];
    const e10 = M[b + 10] - F[a + 10];
    const e11 = M[b + 11] - F[a + 11];
    const e12 = C === 13 ? M[b + 12] - F[a + 12] : 0;
    out[row + i] =
      e0 * e0 + e1 * e1 + e2 * e2 + e3 * e3 + e4 * e4 + e5 * e5 + e6 * e6 + e7 * e7 + e8 * e8 + e9 * e9 + e10 * e10 + e11 * e11 + e12 * e12;
  }
}

/** The cost images of labels l0 … l1−1, written into d.cost, and their sums into d.sums. */
export function costLabelsRange(d: CostVolumeData, l0: number, l1: number): boolean {
  const { F, M, C, dims, offsets, patch, cost, sums } = d;
  const [nx, ny, nz] = dims;
  const n = nx * ny * nz;
  const img = new Float32Array(n);
  const scratch = patch === 1 ? new Float32Array(n) : undefined;
  const shifts = new Map<number, Int32Array>();
  for (let l = l0; l < l1; l++) {
    const [dx, dy, dz] = offsets.subarray(3 * l, 3 * l + 3);
    let ix = shifts.get(dx);
    if (!ix) shifts.set(dx, (ix = shifted(nx, dx)));
    for (let k = 0; k < nz; k++)
      for (let j = 0; j < ny; j++) {
        const row = nx * (j + ny * k);
        const rowM = nx * (Math.min(ny - 1, Math.max(0, j + dy)) + ny * Math.min(nz - 1, Math.max(0, k + dz)));
        if (C === 12 || C === 13) squaredDistances12(F, M, C, row, rowM, ix, nx, img);
        else
          for (let i = 0; i < nx; i++) {
            const a = C * (row + i);
            const b = C * (rowM + ix[i]);
            let s = 0;
            for (let c = 0; c < C; c++) {
              const e = M[b + c] - F[a + c];
              s += e * e;
            }
            img[row + i] = s;
          }
      }
    const out = cost.subarray(l * n, (l + 1) * n);
    if (scratch) box3(img, dims, out, scratch);
    else {
      boxFilter3d(img, dims, patch);
      out.set(img);
    }
    let total = 0;
    for (let v = 0; v < n; v++) total += out[v];
    sums[l] = total;
  }
  return true;
}

export interface BestLabelsData {
  cost: Float32Array;
  n: number;
  offsets: Int32Array;
  /** Coupling weight in cost units (0: the plain argmin). */
  theta: number;
  /** The smooth field v, 3 values per voxel. */
  v: Float32Array;
  /** The chosen displacements, 3 values per voxel. */
  out: Float32Array;
}

/**
 * For voxels x0 … x1−1, the displacement minimising C(x, d) + θ‖d − v(x)‖², written into d.out.
 * ‖d − v‖² = ‖d‖² − 2 d·v + ‖v‖², and the last term is the same for every d.
 */
export function bestLabelsRange(d: BestLabelsData, x0: number, x1: number): void {
  const { cost, n, offsets, theta, v, out } = d;
  const L = offsets.length / 3;
  // Blocks of voxels small enough that their running minima stay in cache across the labels.
  const B = 2048;
  const best = new Float32Array(B);
  const arg = new Int32Array(B);
  const wx = new Float32Array(B);
  const wy = new Float32Array(B);
  const wz = new Float32Array(B);
  for (let b0 = x0; b0 < x1; b0 += B) {
    const m = Math.min(B, x1 - b0);
    for (let x = 0; x < m; x++) {
      best[x] = Infinity;
      wx[x] = 2 * theta * v[3 * (b0 + x)];
      wy[x] = 2 * theta * v[3 * (b0 + x) + 1];
      wz[x] = 2 * theta * v[3 * (b0 + x) + 2];
    }
    for (let l = 0; l < L; l++) {
      const dx = offsets[3 * l];
      const dy = offsets[3 * l + 1];
      const dz = offsets[3 * l + 2];
      const prior = theta * (dx * dx + dy * dy + dz * dz);
      const base = l * n + b0;
      for (let x = 0; x < m; x++) {
        const e = cost[base + x] + prior - dx * wx[x] - dy * wy[x] - dz * wz[x];
        if (e < best[x]) {
          best[x] = e;
          arg[x] = l;
        }
      }
    }
    for (let x = 0; x < m; x++) {
      const l = arg[x];
      for (let a = 0; a < 3; a++) out[3 * (b0 + x) + a] = offsets[3 * l + a];
    }
  }
}

/** The field smoothed per component by a box filter of radius r applied twice. */
export function smoothField(u: Float32Array, dims: Vec3, r: number): Float32Array {
  const n = u.length / 3;
  const out = new Float32Array(u.length);
  const comp = new Float32Array(n);
  const a1 = new Float32Array(n);
  const a2 = new Float32Array(n);
  for (let a = 0; a < 3; a++) {
    for (let v = 0; v < n; v++) comp[v] = u[3 * v + a];
    if (r === 1) {
      box3(comp, dims, a1, a2);
      box3(a1, dims, comp, a2);
    } else {
      boxFilter3d(comp, dims, r);
      boxFilter3d(comp, dims, r);
    }
    for (let v = 0; v < n; v++) out[3 * v + a] = comp[v];
  }
  return out;
}

/**
 * Ranges run elsewhere (a second thread): each returns null, or a promise that rejects or
 * resolves to null, when it could not run; the range is then computed here.
 */
export interface DiscreteHelper {
  cost(d: CostVolumeData, l0: number, l1: number): Promise<boolean | null> | null;
  best(d: BestLabelsData, x0: number, x1: number): Promise<boolean | null> | null;
  /** Memory both threads can read and write. */
  alloc(n: number): Float32Array;
  alloc64(n: number): Float64Array;
}

async function split<T>(
  count: number,
  helper: DiscreteHelper | undefined,
  remote: (h: DiscreteHelper, a: number, b: number) => Promise<T | null> | null,
  local: (a: number, b: number) => T,
): Promise<[T, T | undefined]> {
  const half = helper ? Math.floor(count / 2) : count;
  const pending = helper && half < count ? remote(helper, half, count)?.catch(() => null) : null;
  const mine = local(0, half);
  if (half >= count) return [mine, undefined];
  const theirs = pending ? await pending : null;
  return [mine, theirs ?? local(half, count)];
}

/** The discrete search's smooth field (voxels of `dims`, interleaved) from features F and M on `dims`. */
export async function discreteSearch(
  F: Float32Array,
  M: Float32Array,
  C: number,
  dims: Vec3,
  s: DiscreteSearchSettings,
  helper?: DiscreteHelper,
): Promise<Float32Array> {
  const n = dims[0] * dims[1] * dims[2];
  const offsets = searchOffsets(s.radius, s.ball);
  const L = offsets.length / 3;
  const alloc = helper ? helper.alloc : (k: number) => new Float32Array(k);
  const sums = helper ? helper.alloc64(L) : new Float64Array(L);
  const cd: CostVolumeData = { F, M, C, dims, offsets, patch: s.patch, cost: alloc(n * L), sums };
  await split(
    L,
    helper,
    (h, l0, l1) => h.cost(cd, l0, l1),
    (l0, l1) => costLabelsRange(cd, l0, l1),
  );
  let total = 0;
  for (let l = 0; l < L; l++) total += sums[l];
  const mean = total / (n * L);
  const bd: BestLabelsData = { cost: cd.cost, n, offsets, theta: 0, v: alloc(3 * n), out: alloc(3 * n) };
  // v starts at zero, so a first coupling of 0 is the plain argmin.
  for (const theta of s.couplings) {
    bd.theta = theta * mean;
    await split(
      n,
      helper,
      (h, x0, x1) => h.best(bd, x0, x1),
      (x0, x1) => (bestLabelsRange(bd, x0, x1), true),
    );
    bd.v.set(smoothField(bd.out, dims, s.smooth));
  }
  return new Float32Array(bd.v);
}
