/**
 * Segmentation and deformation metrics, computed by this one module everywhere (CLI, app,
 * benchmarks).
 *
 * - Dice per label, for every non-zero label present in the reference; mean Dice is their mean.
 * - HD95 (mm): the larger of the two directed 95th-percentile surface distances between the
 *   label's boundary voxels in prediction and reference (the convention of medpy's hd95).
 *   Boundary voxels are label voxels with a 6-neighbour outside the label. Distances are
 *   physical (voxel spacing). A label missing from the prediction has HD95 = null.
 */
import type { Grid } from '../volume/volume.js';
import { squaredDistanceTransform } from './edt.js';
import { labelAgreement, labelCounts } from './label-counts.js';
import { nearDistances, offsetBall } from './near-distances.js';
import type { OffsetBall } from './near-distances.js';

export interface LabelMetric {
  label: number;
  dice: number;
  hd95: number | null;
  /** Voxel counts in the reference and the prediction. */
  referenceVoxels: number;
  predictedVoxels: number;
  /** Reference volume in mm³. */
  referenceVolumeMm3: number;
}

export interface SegmentationMetrics {
  meanDice: number;
  /** Mean of the finite per-label HD95 values (mm). */
  meanHd95: number | null;
  labels: LabelMetric[];
}

/** Voxel counts of the prediction and of the reference (labelCounts), where a caller already has them. */
export interface KnownCounts {
  pred?: Map<number, number>;
  ref?: Map<number, number>;
  /** labelAgreement(pred, ref). */
  agreement?: Map<number, number>;
}

export function diceScores(
  pred: ArrayLike<number>,
  ref: ArrayLike<number>,
  known: KnownCounts = {},
): Map<number, { dice: number; ref: number; pred: number }> {
  if (pred.length !== ref.length) throw new Error('prediction and reference have different sizes');
  const refCounts = known.ref ?? labelCounts(ref);
  const predCounts = known.pred ?? labelCounts(pred);
  const inter = known.agreement ?? labelAgreement(pred, ref);
  const out = new Map<number, { dice: number; ref: number; pred: number }>();
  for (const [l, r] of [...refCounts].sort((a, b) => a[0] - b[0])) {
    const p = predCounts.get(l) ?? 0;
    out.set(l, { dice: (2 * (inter.get(l) ?? 0)) / (r + p), ref: r, pred: p });
  }
  return out;
}

interface Box {
  lo: [number, number, number];
  hi: [number, number, number];
}

/** Each label's bounding box in the prediction and in the reference (what hd95Scores starts from). */
export interface LabelBoxes {
  pred: Map<number, Box>;
  ref: Map<number, Box>;
}

/** The bounding boxes hd95Scores needs, computed once (the kernel pool passes them to its second thread). */
export function labelBoxes(pred: ArrayLike<number>, ref: ArrayLike<number>, dims: [number, number, number]): LabelBoxes {
  const boxes: LabelBoxes = { pred: new Map(), ref: new Map() };
  boundingBoxes(pred, dims, boxes.pred);
  boundingBoxes(ref, dims, boxes.ref);
  return boxes;
}

function boundingBoxes(data: ArrayLike<number>, dims: [number, number, number], into: Map<number, Box>): void {
  const [nx, ny, nz] = dims;
  let v = 0;
  // Neighbouring voxels mostly share a label: the box of the last one is kept at hand.
  let last = 0;
  let b: Box | undefined;
  for (let k = 0; k < nz; k++)
    for (let j = 0; j < ny; j++)
      for (let i = 0; i < nx; i++, v++) {
        const l = data[v];
        if (l === 0) continue;
        if (l !== last || !b) {
          last = l;
          b = into.get(l);
        }
        if (!b) into.set(l, (b = { lo: [i, j, k], hi: [i, j, k] }));
        else {
          if (i < b.lo[0]) b.lo[0] = i;
          if (j < b.lo[1]) b.lo[1] = j;
          if (k < b.lo[2]) b.lo[2] = k;
          if (i > b.hi[0]) b.hi[0] = i;
          if (j > b.hi[1]) b.hi[1] = j;
          if (k > b.hi[2]) b.hi[2] = k;
        }
      }
}

/** Everything the scores need from one pass over a prediction and its reference. */
export interface PairStatistics {
  counts: { pred: Map<number, number>; ref: Map<number, number> };
  /** Voxels per label where the prediction equals the reference's non-zero label. */
  agreement: Map<number, number>;
  boxes: LabelBoxes;
}

const DENSE_LABELS = 1 << 16;

/** Grows the box at b[o … o + 5] (lowest i, j, k, then highest) to hold voxel (i, j, k). */
function growBox(b: Int32Array, o: number, i: number, j: number, k: number): void {
  if (i < b[o]) b[o] = i;
  if (j < b[o + 1]) b[o + 1] = j;
  if (k < b[o + 2]) b[o + 2] = k;
  if (i > b[o + 3]) b[o + 3] = i;
  if (j > b[o + 4]) b[o + 4] = j;
  if (k > b[o + 5]) b[o + 5] = k;
}

/**
 * labelCounts of both maps, labelAgreement and labelBoxes in one pass over the two arrays
 * (instead of seven); undefined when a label lies outside 1 … 65535 (then the separate passes,
 * which handle any label, are used).
 */
export function pairStatistics(
  pred: ArrayLike<number>,
  ref: ArrayLike<number>,
  dims: [number, number, number],
): PairStatistics | undefined {
  const [nx, ny, nz] = dims;
  if (pred.length !== ref.length || pred.length !== nx * ny * nz) throw new Error('prediction and reference have different sizes');
  const countP = new Float64Array(DENSE_LABELS);
  const countR = new Float64Array(DENSE_LABELS);
  const agree = new Float64Array(DENSE_LABELS);
  // Per label: lowest i, j, k then highest i, j, k (prediction, then reference).
  const boxP = new Int32Array(6 * DENSE_LABELS);
  const boxR = new Int32Array(6 * DENSE_LABELS);
  for (let l = 0; l < DENSE_LABELS; l++) {
    boxP.fill(0x7fffffff, 6 * l, 6 * l + 3);
    boxR.fill(0x7fffffff, 6 * l, 6 * l + 3);
  }
  let v = 0;
  for (let k = 0; k < nz; k++)
    for (let j = 0; j < ny; j++) {
      for (let i = 0; i < nx; i++, v++) {
        const p = pred[v];
        const r = ref[v];
        if (p !== 0) {
          if (!(p > 0 && p < DENSE_LABELS) || p !== Math.floor(p)) return undefined;
          countP[p]++;
          growBox(boxP, 6 * p, i, j, k);
        }
        if (r !== 0) {
          if (!(r > 0 && r < DENSE_LABELS) || r !== Math.floor(r)) return undefined;
          countR[r]++;
          if (p === r) agree[r]++;
          growBox(boxR, 6 * r, i, j, k);
        }
      }
    }
  const stats: PairStatistics = {
    counts: { pred: new Map(), ref: new Map() },
    agreement: new Map(),
    boxes: { pred: new Map(), ref: new Map() },
  };
  const box = (b: Int32Array, o: number): Box => ({ lo: [b[o], b[o + 1], b[o + 2]], hi: [b[o + 3], b[o + 4], b[o + 5]] });
  for (let l = 1; l < DENSE_LABELS; l++) {
    if (countP[l] > 0) {
      stats.counts.pred.set(l, countP[l]);
      stats.boxes.pred.set(l, box(boxP, 6 * l));
    }
    if (countR[l] > 0) {
      stats.counts.ref.set(l, countR[l]);
      stats.boxes.ref.set(l, box(boxR, 6 * l));
    }
    if (agree[l] > 0) stats.agreement.set(l, agree[l]);
  }
  return stats;
}

/** Boundary of (data == label) within a box: voxels in the label with a 6-neighbour not in it. */
function boundaryInBox(data: ArrayLike<number>, dims: [number, number, number], label: number, lo: number[], bd: number[]): Uint8Array {
  const [nx, ny, nz] = dims;
  const nxy = nx * ny;
  const out = new Uint8Array(bd[0] * bd[1] * bd[2]);
  let o = 0;
  for (let k = 0; k < bd[2]; k++)
    for (let j = 0; j < bd[1]; j++)
      for (let i = 0; i < bd[0]; i++, o++) {
        const gi = i + lo[0];
        const gj = j + lo[1];
        const gk = k + lo[2];
        const v = gi + nx * gj + nxy * gk;
        if (data[v] !== label) continue;
        // Beyond the volume counts as outside the label.
        if (
          gi === 0 ||
          gj === 0 ||
          gk === 0 ||
          gi === nx - 1 ||
          gj === ny - 1 ||
          gk === nz - 1 ||
          data[v - 1] !== label ||
          data[v + 1] !== label ||
          data[v - nx] !== label ||
          data[v + nx] !== label ||
          data[v - nxy] !== label ||
          data[v + nxy] !== label
        )
          out[o] = 1;
      }
  return out;
}

/** 95th percentile by linear interpolation between order statistics (NumPy's default); 0 when empty. */
function percentile95(values: Float64Array): number {
  if (values.length === 0) return 0;
  values.sort();
  const pos = 0.95 * (values.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, values.length - 1);
  return values[lo] + (pos - lo) * (values[hi] - values[lo]);
}

/** Distances (mm) from each voxel marked in `from` to the nearest marked voxel of the squared-distance map. */
function distancesAt(from: Uint8Array, squared: Float64Array): Float64Array {
  let n = 0;
  for (let i = 0; i < from.length; i++) n += from[i];
  const out = new Float64Array(n);
  for (let i = 0, o = 0; i < from.length; i++) if (from[i]) out[o++] = Math.sqrt(squared[i]);
  return out;
}

/** Rank of the upper order statistic percentile95 reads among n sorted values. */
function upperRank95(n: number): number {
  return Math.min(Math.floor(0.95 * (n - 1)) + 1, n - 1);
}

/**
 * 95th percentile of the distances (mm) from the marked voxels of `from` to the nearest marked
 * voxel of `to` (masks on one box): by neighbourhood search while the order statistics it needs
 * lie within the search ball, else by the exact distance transform. Both give the same values.
 */
function directedHd95(
  from: Uint8Array,
  to: Uint8Array,
  bd: [number, number, number],
  sp: [number, number, number],
  ball: OffsetBall,
): number {
  let n = 0;
  for (let i = 0; i < from.length; i++) n += from[i];
  if (n === 0) return 0;
  // The voxels beyond the ball sort last; the two order statistics read must come before them.
  const near = nearDistances(from, to, bd, ball, n - 1 - upperRank95(n));
  return percentile95(near ?? distancesAt(from, squaredDistanceTransform(to, bd, sp, from)));
}

/**
 * HD95 (mm) per label in `labels`; boxes padded so that distances within the union are exact.
 * `boxes`: labelBoxes(pred, ref), when already computed.
 */
export function hd95Scores(
  pred: ArrayLike<number>,
  ref: ArrayLike<number>,
  grid: Grid,
  labels: number[],
  boxes: LabelBoxes = labelBoxes(pred, ref, grid.dims),
): Map<number, number | null> {
  const dims = grid.dims;
  const { pred: predBoxes, ref: refBoxes } = boxes;
  const out = new Map<number, number | null>();
  let ball: OffsetBall | undefined;
  for (const l of labels) {
    const a = predBoxes.get(l);
    const b = refBoxes.get(l);
    if (!a || !b) {
      out.set(l, null);
      continue;
    }
    // The union box holds every boundary voxel of both; the nearest boundary voxel of one set to
    // any voxel of the other always lies in the union box, so the EDT on it is exact.
    const lo = [0, 1, 2].map((d) => Math.min(a.lo[d], b.lo[d]));
    const hi = [0, 1, 2].map((d) => Math.max(a.hi[d], b.hi[d]));
    const bd = [0, 1, 2].map((d) => hi[d] - lo[d] + 1) as [number, number, number];
    const sp = grid.spacing;
    const bp = boundaryInBox(pred, dims, l, lo, bd);
    const br = boundaryInBox(ref, dims, l, lo, bd);
    ball ??= offsetBall(sp);
    out.set(l, Math.max(directedHd95(bp, br, bd, sp, ball), directedHd95(br, bp, bd, sp, ball)));
  }
  return out;
}

/** Per-label rows and their means, from Dice (with voxel counts) and HD95 scores. */
export function combineScores(
  dice: Map<number, { dice: number; ref: number; pred: number }>,
  hd: Map<number, number | null>,
  grid: Grid,
): SegmentationMetrics {
  const voxelMm3 = grid.spacing[0] * grid.spacing[1] * grid.spacing[2];
  const rows: LabelMetric[] = [...dice].map(([l, d]) => ({
    label: l,
    dice: d.dice,
    hd95: hd.get(l) ?? null,
    referenceVoxels: d.ref,
    predictedVoxels: d.pred,
    referenceVolumeMm3: d.ref * voxelMm3,
  }));
  const finite = rows.map((r) => r.hd95).filter((h): h is number => h !== null && Number.isFinite(h));
  return {
    meanDice: rows.length ? rows.reduce((s, r) => s + r.dice, 0) / rows.length : NaN,
    meanHd95: finite.length ? finite.reduce((s, h) => s + h, 0) / finite.length : null,
    labels: rows,
  };
}

export function segmentationMetrics(pred: ArrayLike<number>, ref: ArrayLike<number>, grid: Grid): SegmentationMetrics {
  const dice = diceScores(pred, ref);
  return combineScores(dice, hd95Scores(pred, ref, grid, [...dice.keys()]), grid);
}
