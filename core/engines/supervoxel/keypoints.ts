/**
 * Keypoint matching of SLIC-Reg: the template's supervoxel centres p_i (i < N) are moved by
 * displacements d_i so that the scan's predicted supervoxel probabilities F, sampled at p_i + d_i
 * (trilinear), match the template's own features f_i:
 *
 *   L(d) = 1/(N·C) Σ_i ‖F(p_i + d_i) − f_i‖²  +  α/N Σ_i Σ_j W_ij ‖d_i − d_j‖²
 *
 * with W the k-nearest-neighbour graph of the keypoints (W_ij = 1 when j is among the k nearest
 * of i), minimised with Adam from d = 0. Coordinates are normalised to [−1, 1] per axis of the
 * feature grid (first to last voxel centre), so the step size means the same on any grid (the
 * paper: lr 0.05, α 0.015, k 8, 100 iterations). Plain typed arrays with analytic gradients.
 */
import { Adam } from '../../registration/adam.js';
import { cornerStrides, locateCell, trilinearCell } from '../../kernels/trilinear-cell.js';
import type { Vec3 } from '../../volume/volume.js';

export interface KeypointOptions {
  learningRate: number;
  alpha: number;
  k: number;
  iterations: number;
}

/**
 * The channels each keypoint is matched on, where not all: channels start[i] … start[i] + width − 1
 * of keypoint i (e.g. the bins of its own supervoxel layer).
 */
export interface ChannelWindows {
  start: Int32Array;
  width: number;
}

export const PAPER_KEYPOINT_OPTIONS: KeypointOptions = { learningRate: 0.05, alpha: 0.015, k: 8, iterations: 100 };

export interface FeatureVolume {
  dims: Vec3;
  channels: number;
  /** Voxel-major, channel fastest: data[v · channels + c]. */
  data: Float32Array;
}

/**
 * The k nearest neighbours (indices, k per point) of each point, by Euclidean distance of `points`
 * (3 per point, finite), nearest first. Ties go as a selection sort over the indices would break
 * them (the first in its order, which each pick changes by one swap): only the points within the
 * k-th smallest distance take part in that selection, so a point costs two passes, not k.
 */
export function knnGraph(points: Float32Array, k: number): Int32Array {
  const n = points.length / 3;
  const kk = Math.max(0, Math.min(k, n - 1));
  const out = new Int32Array(n * kk);
  if (kk === 0) return out;
  const dist = new Float64Array(n);
  const smallest = new Float64Array(kk);
  const candidates = new Int32Array(n);
  const positionOf = Int32Array.from({ length: n }, (_, j) => j);
  const atPosition = Int32Array.from({ length: n }, (_, j) => j);
  const chosen = new Uint8Array(n);
  const moved = new Int32Array(4 * kk);
  for (let i = 0; i < n; i++) {
    // The kk smallest distances (sorted, by insertion), and every point that was within the
    // k-th smallest when it was seen (a superset of those within the final one, filtered next).
    let filled = 0;
    let seen = 0;
    const px = points[3 * i];
    const py = points[3 * i + 1];
    const pz = points[3 * i + 2];
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      const dx = px - points[3 * j];
      const dy = py - points[3 * j + 1];
      const dz = pz - points[3 * j + 2];
      const d = dx * dx + dy * dy + dz * dz;
      if (filled === kk && d > smallest[kk - 1]) continue;
      dist[j] = d;
      candidates[seen++] = j;
      if (filled === kk && d === smallest[kk - 1]) continue;
      let s = filled === kk ? kk - 1 : filled++;
      for (; s > 0 && smallest[s - 1] > d; s--) smallest[s] = smallest[s - 1];
      smallest[s] = d;
    }
    const threshold = smallest[kk - 1];
    let m = 0;
    for (let c = 0; c < seen; c++) if (dist[candidates[c]] <= threshold) candidates[m++] = candidates[c];
    // The selection sort over `order` (initially the identity), restricted to the candidates: at
    // step a the nearest remaining one at the first position, swapped to position a. The swaps
    // are kept in identity-initialised arrays and undone afterwards (at most 2kk entries).
    let touched = 0;
    for (let a = 0; a < kk; a++) {
      let best = -1;
      let bestPos = 0;
      for (let c = 0; c < m; c++) {
        const j = candidates[c];
        if (chosen[j]) continue;
        const pos = positionOf[j];
        if (best < 0 || dist[j] < dist[best] || (dist[j] === dist[best] && pos < bestPos)) {
          best = j;
          bestPos = pos;
        }
      }
      const displaced = atPosition[a];
      positionOf[displaced] = bestPos;
      atPosition[bestPos] = displaced;
      positionOf[best] = a;
      atPosition[a] = best;
      chosen[best] = 1;
      moved[touched++] = best;
      moved[touched++] = displaced;
      moved[touched++] = a;
      moved[touched++] = bestPos;
      out[i * kk + a] = best;
    }
    for (let t = 0; t < touched; t++) {
      const e = moved[t];
      positionOf[e] = e;
      atPosition[e] = e;
      chosen[e] = 0;
    }
  }
  return out;
}

const cell = trilinearCell();

/**
 * Trilinear value and gradient (per voxel coordinate) of channels c0 ≤ c < c1 at (x, y, z),
 * edge-clamped; accumulates Σ_c r_c ∂F_c/∂x into `grad` where r = F(x) − target (the data term's
 * residual), and returns Σ_c r_c². `strides`: the feature volume's corner strides.
 */
function residualAt(
  f: FeatureVolume,
  strides: Vec3,
  x: number,
  y: number,
  z: number,
  target: Float32Array,
  t0: number,
  grad: Float64Array,
  c0: number,
  c1: number,
): number {
  const C = f.channels;
  locateCell(f.dims, C, x, y, z, cell);
  const { fx, fy, fz } = cell;
  // Integers, so that the channel loop indexes with small integers.
  const b = cell.base | 0;
  const sx = strides[0] | 0;
  const sy = strides[1] | 0;
  const sz = strides[2] | 0;
  let sq = 0;
  let gx = 0;
  let gy = 0;
  let gz = 0;
  const d = f.data;
  for (let c = c0; c < c1; c++) {
    const p = b + c;
    const v000 = d[p];
    const v100 = d[p + sx];
    const v010 = d[p + sy];
    const v110 = d[p + sx + sy];
    const v001 = d[p + sz];
    const v101 = d[p + sx + sz];
    const v011 = d[p + sy + sz];
    const v111 = d[p + sx + sy + sz];
    const a00 = v000 + fx * (v100 - v000);
    const a10 = v010 + fx * (v110 - v010);
    const a01 = v001 + fx * (v101 - v001);
    const a11 = v011 + fx * (v111 - v011);
    const b0 = a00 + fy * (a10 - a00);
    const b1 = a01 + fy * (a11 - a01);
    const val = b0 + fz * (b1 - b0);
    const r = val - target[t0 + c];
    sq += r * r;
    if (r === 0) continue;
    const dx0 = (1 - fy) * (v100 - v000) + fy * (v110 - v010);
    const dx1 = (1 - fy) * (v101 - v001) + fy * (v111 - v011);
    gx += r * ((1 - fz) * dx0 + fz * dx1);
    gy += r * ((1 - fz) * (a10 - a00) + fz * (a11 - a01));
    gz += r * (b1 - b0);
  }
  // Outside the grid the value is held, so its gradient along that axis is zero.
  grad[0] = gx * cell.inX;
  grad[1] = gy * cell.inY;
  grad[2] = gz * cell.inZ;
  return sq;
}

/** Trilinear (edge-clamped) features of every channel at each point (voxel coordinates). */
export function sampleFeatures(f: FeatureVolume, points: Float32Array): Float32Array {
  const n = points.length / 3;
  const C = f.channels;
  const out = new Float32Array(n * C);
  const [sx, sy, sz] = cornerStrides(f.dims, C);
  const d = f.data;
  const w = new Float64Array(8);
  for (let i = 0; i < n; i++) {
    // One cell per point; its eight corner weights for every channel.
    locateCell(f.dims, C, points[3 * i], points[3 * i + 1], points[3 * i + 2], cell);
    const { base, fx, fy, fz } = cell;
    w[0] = (1 - fx) * (1 - fy) * (1 - fz);
    w[1] = fx * (1 - fy) * (1 - fz);
    w[2] = (1 - fx) * fy * (1 - fz);
    w[3] = fx * fy * (1 - fz);
    w[4] = (1 - fx) * (1 - fy) * fz;
    w[5] = fx * (1 - fy) * fz;
    w[6] = (1 - fx) * fy * fz;
    w[7] = fx * fy * fz;
    for (let c = 0; c < C; c++) {
      const p = base + c;
      out[i * C + c] =
        w[0] * d[p] +
        w[1] * d[p + sx] +
        w[2] * d[p + sy] +
        w[3] * d[p + sx + sy] +
        w[4] * d[p + sz] +
        w[5] * d[p + sx + sz] +
        w[6] * d[p + sy + sz] +
        w[7] * d[p + sx + sy + sz];
    }
  }
  return out;
}

export interface KeypointResult {
  /** Displacements in voxels of the feature grid (3 per keypoint). */
  displacement: Float32Array;
  /** Loss at the start and the end. */
  initialLoss: number;
  finalLoss: number;
}

/** voxel = (normalised + 1) · (size − 1) / 2 on each axis: the voxels per normalised unit. */
function normalisedScale(dims: Vec3): number[] {
  return dims.map((d) => (d - 1) / 2);
}

/** The channels each keypoint is matched on: all of them, or a window's width. */
export function matchedChannels(features: FeatureVolume, windows?: ChannelWindows): number {
  return windows?.width ?? features.channels;
}

/**
 * The data term for keypoints i0 ≤ i < i1 at displacement `flow` (normalised units, 3 per
 * keypoint; voxel = keypoint + flow · scale): returns Σ_i Σ_c r_c² and writes those keypoints'
 * gradients of L's data part (1/(N·W) Σ r², N = all keypoints, W = matchedChannels) into
 * grad[3i … 3i + 2]. Keypoints are independent here, so any split of the range gives the same
 * gradients.
 */
export function keypointDataTerm(
  features: FeatureVolume,
  keypoints: Float32Array,
  targets: Float32Array,
  flow: Float64Array,
  i0: number,
  i1: number,
  grad: Float64Array,
  windows?: ChannelWindows,
): number {
  const n = keypoints.length / 3;
  const C = features.channels;
  const W = matchedChannels(features, windows);
  const scale = normalisedScale(features.dims);
  const strides = cornerStrides(features.dims, C);
  const g = new Float64Array(3);
  let data = 0;
  for (let i = i0; i < i1; i++) {
    const x = keypoints[3 * i] + flow[3 * i] * scale[0];
    const y = keypoints[3 * i + 1] + flow[3 * i + 1] * scale[1];
    const z = keypoints[3 * i + 2] + flow[3 * i + 2] * scale[2];
    const c0 = windows ? windows.start[i] : 0;
    data += residualAt(features, strides, x, y, z, targets, i * C, g, c0, c0 + W);
    for (let a = 0; a < 3; a++) grad[3 * i + a] = (2 / (n * W)) * g[a] * scale[a];
  }
  return data;
}

/**
 * The data part of L at `flow`, its gradient written into `grad` (keypointDataTerm over all
 * keypoints, divided by N·W). localKeypointDataTerm computes it on this thread; the kernel pool's
 * version splits the keypoints over two.
 */
export type KeypointDataTerm = (flow: Float64Array, grad: Float64Array) => number | Promise<number>;

/** The data term on this thread; `windows`: the channels each keypoint is matched on (all when absent). */
export function localKeypointDataTerm(
  features: FeatureVolume,
  keypoints: Float32Array,
  targets: Float32Array,
  windows?: ChannelWindows,
): KeypointDataTerm {
  const n = keypoints.length / 3;
  const W = matchedChannels(features, windows);
  return (flow, grad) => keypointDataTerm(features, keypoints, targets, flow, 0, n, grad, windows) / (n * W);
}

/**
 * Optimises the keypoints' displacements (see the file comment). `keypoints`: voxel coordinates
 * on the feature grid; `targets`: N × channels template features; `positionsMm`: the keypoints
 * in millimetres, for the neighbour graph (defaults to `keypoints`); `dataTerm`: how the data
 * term is evaluated (default: on this thread, all channels; the same values however split).
 */
export async function optimiseKeypoints(
  features: FeatureVolume,
  keypoints: Float32Array,
  targets: Float32Array,
  o: KeypointOptions,
  positionsMm: Float32Array = keypoints,
  dataTerm: KeypointDataTerm = localKeypointDataTerm(features, keypoints, targets),
): Promise<KeypointResult> {
  const n = keypoints.length / 3;
  const knn = knnGraph(positionsMm, o.k);
  const kk = knn.length / n;
  const scale = normalisedScale(features.dims);
  const flow = new Float64Array(3 * n); // normalised units
  const grad = new Float64Array(3 * n);
  const adam = new Adam(3 * n, 0.9, 0.999, 1e-8);
  const lr = new Float64Array(3 * n).fill(o.learningRate);
  let initialLoss = NaN;
  let loss = NaN;
  const evaluate = async (): Promise<number> => {
    const data = await dataTerm(flow, grad);
    let reg = 0;
    for (let i = 0; i < n; i++)
      for (let e = 0; e < kk; e++) {
        const j = knn[i * kk + e];
        for (let a = 0; a < 3; a++) {
          const diff = flow[3 * i + a] - flow[3 * j + a];
          reg += diff * diff;
          const gr = ((2 * o.alpha) / n) * diff;
          grad[3 * i + a] += gr;
          grad[3 * j + a] -= gr;
        }
      }
    return data + (o.alpha * reg) / n;
  };
  for (let it = 1; it <= o.iterations; it++) {
    loss = await evaluate();
    if (it === 1) initialLoss = loss;
    adam.step(flow, grad, lr);
  }
  const finalLoss = await evaluate();
  const displacement = new Float32Array(3 * n);
  for (let i = 0; i < n; i++) for (let a = 0; a < 3; a++) displacement[3 * i + a] = flow[3 * i + a] * scale[a];
  return { displacement, initialLoss, finalLoss };
}
