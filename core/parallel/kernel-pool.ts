/**
 * Runs the heaviest typed-array kernels on a second core: one worker thread working on shared
 * memory beside the calling thread (elastix, our reference, uses every core too). Where a worker
 * cannot start (or LABELWARP_THREADS=1), everything runs on the calling thread, with the same
 * results.
 */
import { Worker } from 'node:worker_threads';
import os from 'node:os';
import { MIND_CHANNELS, mindSsc } from '../kernels/mind.js';
import { blockAverageSlices, blockGrid } from '../kernels/pyramid.js';
import { normalizeToRange, robustRange } from '../kernels/intensity.js';
import type { MindOptions } from '../kernels/mind.js';
import { resampleFieldToWorldSlices } from '../kernels/field-resample.js';
import { affineGradient, affineSumsRange, fixedSums, nccFromSums } from '../registration/affine-terms.js';
import type { AffineLevelData } from '../registration/affine-terms.js';
import { cgHalves, cgStart, solveSplitAlone } from '../registration/linear-solve.js';
import { stepTermsRange, stepTermsSplit } from '../registration/gn-step-terms.js';
import type { StepTermsData } from '../registration/gn-step-terms.js';
import type { CgArrays, SolveOptions, SolveStats } from '../registration/linear-solve.js';
import type { BestLabelsData, CostVolumeData, DiscreteHelper } from '../registration/discrete-search.js';
import { gridOf, voxelCount } from '../volume/volume.js';
import type { Grid, Vec3, VoxelArray } from '../volume/volume.js';
import { transformData } from '../registration/transform.js';
import type { SpatialTransform, TransformData } from '../registration/transform.js';
import { keypointDataTerm, localKeypointDataTerm, matchedChannels } from '../engines/supervoxel/keypoints.js';
import type { ChannelWindows, FeatureVolume, KeypointDataTerm } from '../engines/supervoxel/keypoints.js';
import { transferClaimedSlices, transferOutput, transferSlices } from '../pipeline/label-transfer.js';
import type { TransferOutput, TransferSource } from '../pipeline/label-transfer.js';
import { combineScores, diceScores, hd95Scores, labelBoxes } from '../metrics/overlap.js';
import { jacobianDeterminant } from '../kernels/jacobian.js';
import type { KnownCounts, LabelBoxes, SegmentationMetrics } from '../metrics/overlap.js';
import { jacobianStatistics } from '../metrics/deformation.js';
import type { DeformationMetrics } from '../metrics/deformation.js';

/** det J on a grid and its statistics. */
export interface JacobianResult {
  det: Float32Array;
  statistics: DeformationMetrics;
}

export type KernelRequest =
  | { id: number; op: 'mind'; image: Float32Array; dims: Vec3; options: MindOptions; stride: number }
  | { id: number; op: 'hd95'; pred: Int32Array; ref: Int32Array; grid: Grid; labels: number[]; boxes: LabelBoxes }
  | { id: number; op: 'jacobian'; grid: Grid; field: Float32Array }
  | { id: number; op: 'normalize'; data: VoxelArray; out: Float32Array }
  | { id: number; op: 'pool'; data: Float32Array; dims: Vec3; channels: number; f: Vec3; out: Float32Array }
  | { id: number; op: 'field'; u: Float32Array; from: Grid; to: Grid; k0: number; k1: number; out: Float32Array }
  | { id: number; op: 'affine-sums'; data: AffineLevelData; c: number[]; k0: number; k1: number }
  | { id: number; op: 'step-terms'; data: StepTermsData; k0: number; k1: number }
  | { id: number; op: 'discrete-cost'; data: CostVolumeData; l0: number; l1: number }
  | { id: number; op: 'discrete-best'; data: BestLabelsData; x0: number; x1: number }
  | {
      id: number;
      op: 'cg';
      arrays: CgArrays;
      dims: Vec3;
      options: SolveOptions;
      start: { rz: number; bnorm: number };
      split: number;
      sync: Int32Array;
    }
  | {
      id: number;
      op: 'keypoints';
      features: FeatureVolume;
      keypoints: Float32Array;
      targets: Float32Array;
      flow: Float64Array;
      i0: number;
      i1: number;
      grad: Float64Array;
      windows?: ChannelWindows;
    }
  | {
      id: number;
      op: 'transfer';
      transform: TransformData;
      target: Grid;
      source: TransferSource;
      /** The next slice to transfer, shared with this thread (transferClaimedSlices). */
      next: Int32Array;
      out: TransferOutput;
    };

let worker: Worker | null | undefined;
/** The worker has answered once (it is running, not still starting). */
let answered = false;
let nextId = 1;
/**
 * Voxels from which a kernel is split over the two threads: below it (a hippocampus crop, about
 * 60³) the shared-memory copy and the messages cost more than the second core saves.
 */
export const SPLIT_MIN_VOXELS = 200_000;

const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

function enabled(): boolean {
  const threads = Number(process.env.LABELWARP_THREADS ?? os.availableParallelism?.() ?? os.cpus().length);
  return threads > 1;
}

function getWorker(): Worker | null {
  if (worker !== undefined) return worker;
  if (!enabled()) return (worker = null);
  try {
    const here = new URL(import.meta.url);
    const ts = here.pathname.endsWith('.ts');
    // Source (run through tsx): a boot file registers tsx in the thread; bundles: kernel-worker.mjs beside the bundle.
    const url = new URL(ts ? './kernel-worker-boot.mjs' : './kernel-worker.mjs', import.meta.url);
    const w = new Worker(url);
    w.unref();
    w.on('message', (m: { id: number; result?: unknown; error?: string }) => {
      answered = true;
      const p = pending.get(m.id);
      if (!p) return;
      pending.delete(m.id);
      if (m.error) p.reject(new Error(m.error));
      else p.resolve(m.result);
    });
    w.on('error', (err) => {
      for (const p of pending.values()) p.reject(err);
      pending.clear();
      worker = null;
      answered = false;
    });
    w.on('exit', () => {
      answered = false;
      for (const p of pending.values()) p.reject(new Error('kernel worker stopped'));
      pending.clear();
      worker = null;
    });
    worker = w;
  } catch {
    worker = null;
  }
  return worker;
}

type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never;

function run<T>(req: WithoutId<KernelRequest>): Promise<T> | null {
  const w = getWorker();
  if (!w) return null;
  const id = nextId++;
  return new Promise<T>((resolve, reject) => {
    pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
    w.postMessage({ ...req, id });
  });
}

/** Starts the second thread now (its start-up then overlaps other work). */
export function warmUpKernelPool(): void {
  getWorker();
}

/** A copy of `a` in shared memory (or `a` itself when it already is). */
export function shared<T extends VoxelArray>(a: T): T {
  if (a.buffer instanceof SharedArrayBuffer) return a;
  const Ctor = a.constructor as { new (b: SharedArrayBuffer): T };
  const out = new Ctor(new SharedArrayBuffer(a.byteLength));
  out.set(a as never);
  return out;
}

/** A robust range (robustRange) and the image normalised to it (normalizeToRange). */
export interface NormalizedImage {
  range: [number, number];
  data: Float32Array;
}

function normalizeHere(data: VoxelArray): NormalizedImage {
  const range = robustRange(data);
  return { range, data: normalizeToRange(data, range) };
}

/**
 * Two images robustly normalised to [0, 1], the second on the worker when large (its copy in
 * shared memory costs less than its percentiles); the same values as on one thread.
 */
export async function normalizeRobustPair(a: VoxelArray, b: VoxelArray): Promise<[NormalizedImage, NormalizedImage]> {
  // A worker still starting is worth waiting for only when this thread's half takes longer (a
  // 1 mm brain, not a 2 mm one).
  const worth = b.length >= (answered ? SPLIT_MIN_VOXELS : 2_000_000);
  const out = worth ? new Float32Array(new SharedArrayBuffer(4 * b.length)) : undefined;
  const remote = out && run<[number, number]>({ op: 'normalize', data: shared(b), out })?.catch(() => null);
  const mine = normalizeHere(a);
  const range = remote && (await remote);
  // A worker that failed (or none) leaves the work to this thread.
  return [mine, range && out ? { range, data: out } : normalizeHere(b)];
}

/**
 * MIND-SSC of two images, one on each core; `stride` values per voxel, MIND in the first 12 (the
 * rest left zero for the caller, see mindSsc).
 */
export async function mindPair(
  a: Float32Array,
  b: Float32Array,
  dims: Vec3,
  options: MindOptions,
  stride: number = MIND_CHANNELS,
): Promise<[Float32Array, Float32Array]> {
  const remote = run<Float32Array>({ op: 'mind', image: shared(b), dims, options, stride })?.catch(() => null);
  // In shared memory when a worker runs: the pyramid then pools it there without a copy.
  const mine = mindSsc(a, dims, options, remote ? new Float32Array(new SharedArrayBuffer(4 * stride * a.length)) : undefined, stride);
  // A worker that failed leaves the work to this thread.
  return [mine, (remote && (await remote)) || mindSsc(b, dims, options, undefined, stride)];
}

/**
 * Two multi-channel volumes on one grid block-averaged (kernels/pyramid.ts, blockAverage), the
 * second on the worker when large, into shared memory; the same values as on one thread.
 */
export async function blockAveragePair(
  a: Float32Array,
  b: Float32Array,
  grid: Grid,
  channels: number,
  f: Vec3,
): Promise<{ grid: Grid; a: Float32Array; b: Float32Array }> {
  const out = blockGrid(grid, f);
  const n = voxelCount(out) * channels;
  const remoteOut = b.length >= SPLIT_MIN_VOXELS && getWorker() !== null ? new Float32Array(new SharedArrayBuffer(4 * n)) : undefined;
  const remote =
    remoteOut &&
    run<boolean>({ op: 'pool', data: shared(b), dims: [...grid.dims] as Vec3, channels, f, out: remoteOut })?.catch(() => false);
  const mine = new Float32Array(remoteOut ? new SharedArrayBuffer(4 * n) : new ArrayBuffer(4 * n));
  blockAverageSlices(a, grid.dims, channels, f, 0, out.dims[2], mine);
  if (remote && remoteOut && (await remote)) return { grid: out, a: mine, b: remoteOut };
  // A worker that failed (or none) leaves the work to this thread.
  const theirs = new Float32Array(n);
  blockAverageSlices(b, grid.dims, channels, f, 0, out.dims[2], theirs);
  return { grid: out, a: mine, b: theirs };
}

/**
 * A displacement field (voxel units of `from`) resampled onto `to` and converted to world
 * millimetres, in shared memory (label transfer then reads it on both threads), the upper half
 * of the slices on the worker.
 */
export async function resampleFieldToWorldParallel(u: Float32Array, from: Grid, to: Grid): Promise<Float32Array> {
  const nz = to.dims[2];
  const out = new Float32Array(new SharedArrayBuffer(12 * voxelCount(to)));
  const half = voxelCount(to) >= SPLIT_MIN_VOXELS && nz >= 4 ? Math.floor(nz / 2) : nz;
  const remote =
    half < nz
      ? run<boolean>({ op: 'field', u: shared(u), from: gridOf(from), to: gridOf(to), k0: half, k1: nz, out })?.catch(() => false)
      : null;
  resampleFieldToWorldSlices(u, from, to, 0, half, out);
  // A worker that failed leaves its slices to this thread.
  if (half < nz && !(remote && (await remote))) resampleFieldToWorldSlices(u, from, to, half, nz, out);
  return out;
}

/**
 * The discrete search's ranges on the worker (registration/discrete-search.ts): half of the
 * displacement labels' cost images, and half of the voxels' choices; undefined without a worker.
 */
export function discreteHelper(): DiscreteHelper | undefined {
  if (getWorker() === null) return undefined;
  return {
    cost: (data, l0, l1) => run<boolean>({ op: 'discrete-cost', data, l0, l1 }),
    best: (data, x0, x1) => run<boolean>({ op: 'discrete-best', data, x0, x1 }),
    alloc: (n) => new Float32Array(new SharedArrayBuffer(4 * n)),
    alloc64: (n) => new Float64Array(new SharedArrayBuffer(8 * n)),
  };
}

/** −NCC and its gradient with respect to the affine parameters, for one pyramid level. */
export type AffineLevelTerms = (
  c: ArrayLike<number>,
  fI2W: ArrayLike<number>,
  mW2I: ArrayLike<number>,
  cf: Vec3,
) => Promise<{ loss: number; grad: Float64Array }>;

/**
 * The affine step's kernels (registration/affine-terms.ts) for one pyramid level, the upper half
 * of the fixed slices on the worker. The halves are summed in the same order whether or not the
 * worker runs them, so one thread and two give the same numbers.
 */
export function affineLevelTerms(fixed: Float32Array, fixedDims: Vec3, moving: Float32Array, movingDims: Vec3): AffineLevelTerms {
  const n = fixed.length;
  const nz = fixedDims[2];
  const half = Math.floor(nz / 2);
  const parallel = n >= 32_000 && nz >= 4 && getWorker() !== null;
  const data: AffineLevelData = {
    fixed: parallel ? shared(fixed) : fixed,
    fixedDims: [...fixedDims] as Vec3,
    moving: parallel ? shared(moving) : moving,
    movingDims: [...movingDims] as Vec3,
  };
  const [sf, sff] = fixedSums(fixed);
  return async (c, fI2W, mW2I, cf) => {
    const remote = parallel ? run<Float64Array>({ op: 'affine-sums', data, c: Array.from(c), k0: half, k1: nz })?.catch(() => null) : null;
    const sums = affineSumsRange(data, c, 0, half);
    // A worker that failed leaves its half to this thread.
    const upper = (remote && (await remote)) ?? affineSumsRange(data, c, half, nz);
    for (let i = 0; i < sums.length; i++) sums[i] += upper[i];
    const { loss, q } = nccFromSums(n, sf, sff, sums[0], sums[1], sums[2]);
    return { loss, grad: affineGradient(sums, q, fI2W, mW2I, cf) };
  };
}

/** The barrier's partner failed or stopped answering (the solve then runs again on one thread). */
export class BarrierBroken extends Error {}

/**
 * A barrier for two threads on shared memory: [count, generation, broken]. Waiting blocks the
 * thread; a partner that marks the barrier broken (breakBarrier), or that does not arrive within
 * `timeoutMs`, ends the wait with BarrierBroken, and the barrier stays broken for both.
 */
export function twoThreadBarrier(sync: Int32Array, timeoutMs = 10_000): () => void {
  return () => {
    const generation = Atomics.load(sync, 1);
    if (Atomics.load(sync, 2) !== 0) throw new BarrierBroken('the second kernel thread stopped');
    if (Atomics.add(sync, 0, 1) === 1) {
      Atomics.store(sync, 0, 0);
      Atomics.add(sync, 1, 1);
      Atomics.notify(sync, 1);
      return;
    }
    // The partner is usually a few microseconds away: spin briefly before sleeping (waking a
    // sleeping thread costs far more than the work between two barriers).
    for (let spin = 0; spin < 200_000; spin++) if (Atomics.load(sync, 1) !== generation) return;
    const deadline = Date.now() + timeoutMs;
    while (Atomics.load(sync, 1) === generation) {
      if (Atomics.load(sync, 2) !== 0) throw new BarrierBroken('the second kernel thread stopped');
      const left = deadline - Date.now();
      if (left <= 0) {
        breakBarrier(sync);
        throw new BarrierBroken('the second kernel thread stopped answering');
      }
      Atomics.wait(sync, 1, generation, left);
    }
  };
}

/** Marks a two-thread barrier broken and wakes the thread waiting at it. */
export function breakBarrier(sync: Int32Array): void {
  Atomics.store(sync, 2, 1);
  Atomics.notify(sync, 1);
}

/**
 * (H + λL + δI) x = b by block-Jacobi-preconditioned CG (registration/linear-solve.ts), the upper half
 * of the slices on the worker when it is running, the two threads meeting at a barrier three times
 * per iteration (this thread waits there, blocking). The same iterates with one thread or two;
 * when the worker fails or stops answering, the solve starts again on this thread alone.
 */
export function solveNormalEquationsHalves(
  H: Float32Array,
  b: Float32Array,
  dims: Vec3,
  options: SolveOptions,
): { x: Float32Array; stats: SolveStats; threads: 1 | 2 } {
  const split = Math.floor(dims[2] / 2);
  // Only a worker that already answered: one still starting would keep this thread waiting.
  const parallel = answered && worker != null && dims[0] * dims[1] * dims[2] >= 32_000 && dims[2] >= 4;
  if (parallel) {
    const { arrays, rz, bnorm } = cgStart(shared(H), b, dims, options.lambda, options.delta, true);
    if (bnorm === 0) return { x: new Float32Array(b.length), stats: { iterations: 0, relativeResidual: 0 }, threads: 1 };
    const start = { rz, bnorm };
    const sync = new Int32Array(new SharedArrayBuffer(12));
    // The worker's own error is not needed: a failed worker breaks the barrier (kernel-worker.ts).
    void run<SolveStats>({ op: 'cg', arrays, dims, options, start, split, sync })?.catch(() => undefined);
    try {
      const stats = cgHalves(arrays, dims, options, start, split, [0], twoThreadBarrier(sync));
      return { x: arrays.x.slice(), stats, threads: 2 };
    } catch (err) {
      if (!(err instanceof BarrierBroken)) {
        breakBarrier(sync);
        throw err;
      }
    }
  }
  return { ...solveSplitAlone(H, b, dims, options, split), threads: 1 };
}

/**
 * One Gauss-Newton step's data terms (registration/gn-step-terms.ts: the control field onto the
 * data grid, JᵀJ and Jᵀr, pooled back onto the control grid), the upper slab on the worker when
 * the grid is large and the arrays are in shared memory. The slabs are the same whichever thread
 * runs them, so the terms are too; the residual is summed lower slab first.
 */
export async function stepTermsParallel(d: StepTermsData): Promise<{ residual: number }> {
  const nz = d.dims[2];
  const split = stepTermsSplit(d);
  const sharedArrays = [d.F, d.M, d.u, d.H, d.g, d.mask, d.control?.field, d.control?.H, d.control?.g].every(
    (a) => a === undefined || a.buffer instanceof SharedArrayBuffer,
  );
  const parallel = d.dims[0] * d.dims[1] * nz >= SPLIT_MIN_VOXELS && split > 0 && sharedArrays;
  const remote = parallel
    ? run<{ ssd: number; counted: number }>({ op: 'step-terms', data: d, k0: split, k1: nz })?.catch(() => null)
    : null;
  const lower = stepTermsRange(d, 0, split);
  // A worker that failed (or none) leaves the upper slab to this thread.
  const upper = (remote && (await remote)) ?? stepTermsRange(d, split, nz);
  return { residual: (lower.ssd + upper.ssd) / (Math.max(1, lower.counted + upper.counted) * d.C) };
}

/** Keypoint channels (keypoints × matched channels) from which the data term is split over two threads. */
export const KEYPOINT_PARALLEL_MIN = 100_000;

/**
 * The supervoxel keypoints' data term (a KeypointDataTerm) with the second half of the keypoints
 * on the worker, for each step of optimiseKeypoints: the same gradients as one thread (keypoints
 * are independent), the sum of squares added in two parts. Features, keypoints and targets are
 * copied to shared memory once; each evaluation copies the displacements in and the gradients out.
 * Below `minWork` keypoint channels it is the one-thread term.
 */
export function keypointDataTermParallel(
  features: FeatureVolume,
  keypoints: Float32Array,
  targets: Float32Array,
  windows?: ChannelWindows,
  minWork = KEYPOINT_PARALLEL_MIN,
): KeypointDataTerm {
  const n = keypoints.length / 3;
  const perTerm = n * matchedChannels(features, windows);
  // Below about 100k keypoint channels (e.g. 2 000 keypoints on their own layer's 16 bins: 1 ms a
  // call) the messages cost more than the second core saves (supervoxel bench: keypoint stage
  // 0.28 s on two threads, 0.23 s on one).
  if (n < 2 || perTerm < minWork || !getWorker()) return localKeypointDataTerm(features, keypoints, targets, windows);
  const remoteFeatures = { ...features, dims: [...features.dims] as Vec3, data: shared(features.data) };
  const sharedKeypoints = shared(keypoints);
  const sharedTargets = shared(targets);
  const flowShared = new Float64Array(new SharedArrayBuffer(24 * n));
  const gradShared = new Float64Array(new SharedArrayBuffer(24 * n));
  const half = Math.floor(n / 2);
  return async (flow, grad) => {
    flowShared.set(flow);
    const remote = run<number>({
      op: 'keypoints',
      features: remoteFeatures,
      keypoints: sharedKeypoints,
      targets: sharedTargets,
      flow: flowShared,
      i0: half,
      i1: n,
      grad: gradShared,
      windows,
    });
    const mine = keypointDataTerm(features, keypoints, targets, flow, 0, half, grad, windows);
    let theirs = remote ? await remote.catch(() => null) : null;
    // A worker that failed leaves its keypoints to this thread.
    if (theirs === null) theirs = keypointDataTerm(features, keypoints, targets, flow, half, n, grad, windows);
    else grad.set(gradShared.subarray(3 * half), 3 * half);
    return (mine + theirs) / perTerm;
  };
}

/**
 * Dice and HD95 per label (metrics/overlap.ts), the HD95 of a share of the labels (by voxel
 * count, its cost) on the worker: `workerShare` of the work (less than half when the worker has
 * other work queued before it, e.g. det J).
 */
export async function segmentationMetricsParallel(
  pred: Int32Array,
  ref: Int32Array,
  grid: Grid,
  workerShare = 0.5,
  known: KnownCounts & { boxes?: LabelBoxes } = {},
): Promise<SegmentationMetrics> {
  const dice = diceScores(pred, ref, known);
  const mine: number[] = [];
  const theirs: number[] = [];
  // Largest first, each to the side with less work so far for its share.
  let mineWork = 0;
  let theirWork = 0;
  for (const [label, d] of [...dice].sort((a, b) => b[1].ref + b[1].pred - (a[1].ref + a[1].pred))) {
    if (theirWork * (1 - workerShare) <= mineWork * workerShare) {
      theirs.push(label);
      theirWork += d.ref + d.pred;
    } else {
      mine.push(label);
      mineWork += d.ref + d.pred;
    }
  }
  const parallel = pred.length >= SPLIT_MIN_VOXELS && theirs.length > 0 && mine.length > 0;
  // The labels' bounding boxes once, for both threads.
  const boxes = known.boxes ?? labelBoxes(pred, ref, grid.dims);
  const remote = parallel
    ? run<[number, number | null][]>({
        op: 'hd95',
        pred: shared(pred),
        ref: shared(ref),
        grid: gridOf(grid),
        labels: theirs,
        boxes,
      })?.catch(() => null)
    : null;
  const hd = hd95Scores(pred, ref, grid, remote ? mine : [...dice.keys()], boxes);
  if (remote) {
    // A worker that failed leaves its labels to this thread.
    const r = (await remote) ?? [...hd95Scores(pred, ref, grid, theirs, boxes)];
    for (const [label, value] of r) hd.set(label, value);
  }
  return combineScores(dice, hd, grid);
}

/**
 * The Jacobian determinant of a displacement field (kernels/jacobian.ts) and its statistics
 * (metrics/deformation.ts), started on the worker so that this thread can go on with other work
 * until it awaits the result.
 */
export function jacobianInBackground(grid: Grid, fieldMm: Float32Array): Promise<JacobianResult> {
  const here = (): JacobianResult => {
    const det = jacobianDeterminant(grid, fieldMm);
    return { det, statistics: jacobianStatistics(det) };
  };
  const remote =
    voxelCount(grid) >= SPLIT_MIN_VOXELS ? run<JacobianResult>({ op: 'jacobian', grid: gridOf(grid), field: shared(fieldMm) }) : null;
  // A worker that failed (or none) leaves the work to this thread.
  return remote ? remote.catch(here) : Promise.resolve().then(here);
}

/** The same transform data with its displacement fields in shared memory. */
function sharedTransform(d: TransformData): TransformData {
  if (d.kind === 'displacement') return { ...d, fieldMm: shared(d.fieldMm) };
  if (d.kind === 'composite') return { ...d, transforms: d.transforms.map(sharedTransform) };
  return d;
}

/**
 * The template carried onto `target` through `t` (pipeline/label-transfer.ts), the upper half of
 * the slices on the worker; the outputs are in shared memory. Transforms the worker cannot rebuild
 * run on this thread alone.
 */
export async function transferParallel(t: SpatialTransform, target: Grid, source: TransferSource): Promise<TransferOutput> {
  const out = transferOutput(target, true);
  const nz = target.dims[2];
  const data = voxelCount(target) >= SPLIT_MIN_VOXELS && nz >= 4 ? transformData(t) : undefined;
  // Both threads claim slices from one counter until none is left (no fixed halves: the thread
  // that starts later or runs slower does fewer).
  const next = new Int32Array(new SharedArrayBuffer(4));
  const remote = data
    ? run<boolean>({
        op: 'transfer',
        transform: sharedTransform(data),
        target: gridOf(target),
        source: { ...source, grid: gridOf(source.grid), image: shared(source.image), labels: shared(source.labels) },
        next,
        out,
      })?.catch(() => false)
    : null;
  transferClaimedSlices(t, target, source, next, out);
  // A worker that failed may have claimed slices it never finished: this thread does them all again.
  if (remote && !(await remote)) transferSlices(t, target, source, 0, nz, out);
  return out;
}
