/**
 * Deformable registration by Gauss-Newton with diffusion regularisation (after "Learning
 * Registration Models with Differentiable Gauss-Newton Optimisation", MIDL 2022), on typed arrays.
 *
 * Both images are on one grid (the moving image already pre-aligned onto the fixed grid). Each
 * is described by feature channels (MIND-SSC by default). On a pyramid of the feature grids,
 * coarse to fine, a displacement field u (voxel units of the level) is improved by Gauss-Newton
 * steps: residual r = M(x + u) − F(x) per channel, Jacobian J = ∂M(x + u)/∂u (the derivative of
 * the trilinear interpolant of the warped features), and the normal equations
 *   (JᵀJ + λL + δI) Δu = −(Jᵀr + λLu)
 * solved matrix-free by conjugate gradients (linear-solve.ts). The result is a dense field in
 * world millimetres on the fixed grid.
 */
import type { Grid, Vec3, Volume } from '../volume/volume.js';
import { voxelCount } from '../volume/volume.js';
import { blockAverage, halvingFactors } from '../kernels/pyramid.js';
import { mindSsc, MIND_CHANNELS } from '../kernels/mind.js';
import { box3 } from '../kernels/box3.js';
import { resampleFieldIdx } from '../kernels/field-resample.js';
import { applyLaplacian } from './linear-solve.js';
import { normalEquationTerms } from './gn-terms.js';
import {
  discreteHelper,
  resampleFieldToWorldParallel,
  shared,
  blockAveragePair,
  mindPair,
  solveNormalEquationsHalves,
  stepTermsParallel,
} from '../parallel/kernel-pool.js';
import type { StepTermsData } from './gn-step-terms.js';
import { stepScale } from './step-limit.js';
import { discreteSearch } from './discrete-search.js';
import type { DiscreteSearchSettings } from './discrete-search.js';
import type { StepLimit } from './step-limit.js';
import { throwIfAborted } from '../util/errors.js';
import type { ProgressFn } from '../pipeline/progress.js';

export interface GaussNewtonLevel {
  /** Pooling of the feature grid: 4 = every axis (that is large enough) halved twice. */
  factor: 1 | 2 | 4 | 8;
  /**
   * Control grid of the level relative to its data grid (default 1): with 2 the displacement
   * lives on a grid twice as coarse, upsampled trilinearly to warp, and the data terms are
   * pooled onto it, so fine data drive a cheaper solve.
   */
  gridFactor?: 1 | 2 | 4;
  iterations: number;
  lambda: number;
}

/** Computes feature channels (channel fastest) for an image on its grid. */
export interface FeatureExtractor {
  readonly channels: number;
  /**
   * Weight of the data terms: JᵀJ and Jᵀr are summed over channels and multiplied by this
   * (default 1/channels, a mean). Learned extractors keep MIND's 1/12 so that extra channels that
   * start at zero leave the handcrafted engine unchanged.
   */
  readonly termScale?: number;
  compute(image: Volume<Float32Array>): Promise<Float32Array> | Float32Array;
  /** Both images at once (on two cores where possible); same grid. */
  computePair?(a: Volume<Float32Array>, b: Volume<Float32Array>): Promise<[Float32Array, Float32Array]>;
}

/**
 * The intensity channel of the features (`intensityWeight`): channel `c` of each voxel of
 * `features` (`stride` values per voxel) set to weight × the normalised image, in place.
 */
export function writeIntensityChannel(
  features: Float32Array,
  image: Float32Array,
  stride: number,
  c: number,
  weight: number,
): Float32Array {
  for (let v = 0; v < image.length; v++) features[v * stride + c] = weight * image[v];
  return features;
}

/**
 * MIND-SSC with the given patch radius and neighbour dilation (voxels); with `intensityWeight` > 0
 * the normalised intensity, times that weight, is added as a 13th channel (same-contrast scans).
 */
export function mindFeatureExtractor(radius: number, dilation: number, intensityWeight: number): FeatureExtractor {
  const C = intensityWeight > 0 ? MIND_CHANNELS + 1 : MIND_CHANNELS;
  // MIND fills the first 12 values of each voxel; the intensity goes after them, in place.
  const withIntensity = (features: Float32Array, image: Float32Array): Float32Array =>
    C > MIND_CHANNELS ? writeIntensityChannel(features, image, C, MIND_CHANNELS, intensityWeight) : features;
  return {
    channels: C,
    termScale: 1 / MIND_CHANNELS,
    compute: (image) => withIntensity(mindSsc(image.data, image.dims, { dilation, radius }, undefined, C), image.data),
    async computePair(a, b) {
      const [ma, mb] = await mindPair(a.data, b.data, a.dims, { dilation, radius }, C);
      return [withIntensity(ma, a.data), withIntensity(mb, b.data)];
    },
  };
}

/**
 * Everything a run needs, without defaults: they live in the engine's options
 * (core/engines/gn/options.ts, `gaussNewtonSettings`).
 */
export interface GaussNewtonSettings {
  levels: GaussNewtonLevel[];
  /** Damping δ of the normal equations. */
  delta: number;
  cgTolerance: number;
  cgIterations: number;
  /** Largest update per step, in voxels of the level. */
  maxStep: number;
  /** Images with more voxels are block-averaged before feature extraction. */
  maxFeatureVoxels: number;
  features: FeatureExtractor;
  /**
   * Fold-aware steps (step-limit.ts): where a step would push det J below this (and lower than
   * before), it is halved there (0: off).
   */
  minJacobian: number;
  /**
   * Voxels where both normalised images are below this (background), further than one voxel
   * from anything brighter, contribute no data terms (0 uses every voxel).
   */
  maskThreshold: number;
  /** A discrete displacement search on the features pooled by `factor` initialises the field. */
  discrete?: DiscreteSearchSettings & { factor: number };
}

export interface GaussNewtonOptions extends GaussNewtonSettings {
  signal?: AbortSignal;
  onProgress?: ProgressFn;
}

export interface GaussNewtonResult {
  /** u(x) on the fixed grid, LPS mm, interleaved. */
  fieldMm: Float32Array;
  /** Mean squared feature residual at the identity and after, on the coarsest level. */
  initialResidual: number;
  finalResidual: number;
  /** Total CG iterations. */
  cgIterations: number;
  /** Wall seconds of the stages: feature extraction, then the discrete search (when on), then each level (coarse to fine). */
  seconds: { features: number; levels: number[] };
}

interface StepResult {
  residual: number;
  cgIterations: number;
}

/** Solves the damped normal equations for the data terms (H, g) and updates u in place. */
export function solveAndUpdate(
  H: Float32Array,
  g: Float32Array,
  residual: number,
  dims: Vec3,
  u: Float32Array,
  lambda: number,
  delta: number,
  cg: { tolerance: number; maxIterations: number },
  limit: StepLimit,
): StepResult {
  // rhs = −(Jᵀr + λLu)
  const Lu = new Float32Array(u.length);
  applyLaplacian(u, dims, Lu);
  const rhs = new Float32Array(u.length);
  for (let i = 0; i < u.length; i++) rhs[i] = -(g[i] + lambda * Lu[i]);
  const { x, stats } = solveNormalEquationsHalves(H, rhs, dims, {
    lambda,
    delta,
    tolerance: cg.tolerance,
    maxIterations: cg.maxIterations,
  });
  const scale = stepScale(u, x, dims, limit);
  for (let v = 0; v < scale.length; v++) {
    const s = scale[v];
    u[3 * v] += s * x[3 * v];
    u[3 * v + 1] += s * x[3 * v + 1];
    u[3 * v + 2] += s * x[3 * v + 2];
  }
  return { residual, cgIterations: stats.iterations };
}

export { resampleFieldIdx };

/** Foreground: either image above `threshold`, dilated by one voxel (26-neighbourhood). */
export function foregroundMask(a: Float32Array, b: Float32Array, dims: Vec3, threshold: number): Uint8Array {
  const m = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) m[i] = a[i] > threshold || b[i] > threshold ? 1 : 0;
  // The 3-tap filter adds non-negative terms: > 0 exactly where a neighbour is foreground.
  const dilated = new Float32Array(a.length);
  box3(m, dims, dilated, new Float32Array(a.length));
  return positive(dilated);
}

/** 1 where x > 0, else 0 (a plain loop: TypedArray.from with a mapping function is very slow in V8). */
function positive(x: Float32Array): Uint8Array {
  const out = new Uint8Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = x[i] > 0 ? 1 : 0;
  return out;
}

/** Repeated halving until the grid has at most maxVoxels voxels. */
function featureGrid(img: Volume<Float32Array>, maxVoxels: number): Volume<Float32Array> {
  let cur = img;
  while (voxelCount(cur) > maxVoxels) {
    const f = halvingFactors(cur.dims, 16);
    if (f.every((x) => x === 1)) break;
    const r = blockAverage(cur.data, cur, 1, f);
    cur = { ...r.grid, data: r.data, components: 1 };
  }
  return cur;
}

export async function registerGaussNewton(
  fixed: Volume<Float32Array>,
  moving: Volume<Float32Array>,
  options: GaussNewtonOptions,
): Promise<GaussNewtonResult> {
  const { levels, delta, features } = options;
  const limit: StepLimit = { maxStep: options.maxStep, minJacobian: options.minJacobian };
  const cg = { tolerance: options.cgTolerance, maxIterations: options.cgIterations };
  const progress = options.onProgress;

  progress?.({ stage: 'features', fraction: 0, message: 'computing image features' });
  const seconds = { features: 0, levels: [] as number[] };
  let lap = performance.now();
  const stop = () => {
    const now = performance.now();
    const dt = (now - lap) / 1000;
    lap = now;
    return dt;
  };
  const fImg = featureGrid(fixed, options.maxFeatureVoxels);
  const mImg = featureGrid(moving, options.maxFeatureVoxels);
  const C = features.channels;
  const sameLattice = fImg.dims.every((d, i) => d === mImg.dims[i]);
  const [F0, M0] =
    features.computePair && sameLattice
      ? await features.computePair(fImg, mImg)
      : [await features.compute(fImg), await features.compute(mImg)];
  throwIfAborted(options.signal);
  seconds.features = stop();

  const threshold = options.maskThreshold;
  const mask0 = threshold > 0 ? foregroundMask(fImg.data, mImg.data, fImg.dims, threshold) : undefined;

  // The feature pyramid by number of halvings, each computed once and shared by the levels that
  // pool through it. A level's factor f takes as many halvings as f > 1 can be halved (3 → 2).
  type Pooled = { F: { grid: Grid; data: Float32Array }; M: { grid: Grid; data: Float32Array }; maskLevel?: Float32Array };
  const pyramid: Pooled[] = [
    { F: { grid: fImg, data: F0 }, M: { grid: fImg, data: M0 }, maskLevel: mask0 ? new Float32Array(mask0) : undefined },
  ];
  const pooledLevel = async (factor: number): Promise<Pooled> => {
    let halvings = 0;
    for (let f = factor; f > 1; f /= 2) halvings++;
    while (pyramid.length <= halvings) {
      const finer = pyramid[pyramid.length - 1];
      const h = halvingFactors(finer.F.grid.dims, 6);
      // F here and M on the second core, into shared memory (the levels' threads read them there).
      const { grid, a, b } = await blockAveragePair(finer.F.data, finer.M.data, finer.F.grid, C, h);
      pyramid.push({
        F: { grid, data: a },
        M: { grid, data: b },
        maskLevel: finer.maskLevel && blockAverage(finer.maskLevel, finer.F.grid, 1, h).data,
      });
    }
    return pyramid[halvings];
  };
  const totalIters = levels.reduce((s, l) => s + l.iterations, 0);
  let done = 0;
  let u: Float32Array | undefined;
  let uGrid: Grid | undefined;
  let initialResidual = NaN;
  let finalResidual = NaN;
  let cgTotal = 0;
  let coarsest: { F: Float32Array; M: Float32Array; grid: Grid; mask?: Uint8Array } | undefined;
  if (levels.length === 0) throw new Error('no Gauss-Newton level was given');
  if (options.discrete) {
    progress?.({ stage: 'gauss-newton', fraction: 0, message: 'discrete displacement search' });
    const { F, M } = await pooledLevel(options.discrete.factor);
    const helper = discreteHelper();
    if (helper) {
      // Pooled levels (on two threads) and MIND (with its intensity channel) from mindPair are in
      // shared memory already and are not copied; other features (learned channels) are copied
      // once, into the pyramid, so that a level on this factor reads the same copies.
      F.data = shared(F.data);
      M.data = shared(M.data);
    }
    u = await discreteSearch(F.data, M.data, C, F.grid.dims, options.discrete, helper);
    uGrid = F.grid;
    seconds.levels.push(stop());
  }
  for (let li = 0; li < levels.length; li++) {
    const level = levels[li];
    // Features pooled by the level's factor (halving the axes that are large enough).
    const { F, M, maskLevel } = await pooledLevel(level.factor);
    const mask = maskLevel ? shared(positive(maskLevel)) : undefined;
    // Shared memory, so that a second core can compute half of the data terms (no copy where the
    // pyramid already is).
    const Fs = shared(F.data);
    const Ms = shared(M.data);
    const dataGrid = F.grid;
    // The control grid and, per axis, its spacing in data voxels.
    let ctrl: Grid = dataGrid;
    for (let f = level.gridFactor ?? 1; f > 1; f /= 2)
      ctrl = blockAverage(new Float32Array(voxelCount(ctrl)), ctrl, 1, halvingFactors(ctrl.dims, 6)).grid;
    const pool = [0, 1, 2].map((a) => Math.round(ctrl.spacing[a] / dataGrid.spacing[a])) as Vec3;
    const pooled = pool.some((p) => p > 1);
    // u and its data-grid copy live in shared memory: the second core reads them for its half of the data terms.
    const uNext = new Float32Array(new SharedArrayBuffer(12 * voxelCount(ctrl)));
    u = u && uGrid ? resampleFieldIdx(u, uGrid, ctrl, uNext) : uNext;
    // The step's arrays, in shared memory for the second core and reused from step to step.
    const f32 = (n: number) => new Float32Array(new SharedArrayBuffer(4 * n));
    const nData = voxelCount(dataGrid);
    const nCtrl = voxelCount(ctrl);
    const step: StepTermsData = {
      F: Fs,
      M: Ms,
      C,
      dims: dataGrid.dims,
      termScale: features.termScale ?? 1 / C,
      mask,
      u: pooled ? f32(3 * nData) : u,
      H: f32(6 * nData),
      g: f32(3 * nData),
      control: pooled ? { field: u, grid: ctrl, dataGrid, pool, H: f32(6 * nCtrl), g: f32(3 * nCtrl) } : undefined,
    };
    uGrid = ctrl;
    for (let it = 0; it < level.iterations; it++) {
      throwIfAborted(options.signal);
      progress?.({
        stage: 'gauss-newton',
        fraction: done / totalIters,
        message: `level ${li + 1}/${levels.length} (${ctrl.dims.join('×')}), step ${it + 1}/${level.iterations}`,
      });
      await new Promise((r) => setImmediate(r));
      // u resampled onto the data grid, the data terms, pooled onto the control grid: on two threads.
      const terms = await stepTermsParallel(step);
      if (Number.isNaN(initialResidual)) initialResidual = terms.residual;
      const H = step.control ? step.control.H : step.H;
      const g = step.control ? step.control.g : step.g;
      const s = solveAndUpdate(H, g, terms.residual, ctrl.dims, u, level.lambda, delta, cg, limit);
      cgTotal += s.cgIterations;
      done++;
    }
    if (li === 0) coarsest = { F: F.data, M: M.data, grid: dataGrid, mask };
    seconds.levels.push(stop());
  }
  if (!u || !uGrid || !coarsest) throw new Error('no Gauss-Newton level was given');
  // Residual before and after, on the coarsest level's grid (cheap, comparable). With the discrete
  // search first, "before" is the identity, not the first step's start.
  const { F: cF, M: cM, grid: cGrid, mask: cMask } = coarsest;
  const residualAt = (field: Float32Array) => normalEquationTerms(cF, cM, C, cGrid.dims, field, 1 / C, cMask).residual;
  finalResidual = residualAt(resampleFieldIdx(u, uGrid, cGrid));
  if (options.discrete) initialResidual = residualAt(new Float32Array(3 * voxelCount(cGrid)));
  // In shared memory: label transfer evaluates the transform on two threads (parallel/kernel-pool.ts).
  const fieldMm = await resampleFieldToWorldParallel(u, uGrid, fixed);
  for (let i = 0; i < fieldMm.length; i++)
    if (!Number.isFinite(fieldMm[i])) throw new Error('the Gauss-Newton solve produced a non-finite displacement');
  progress?.({ stage: 'gauss-newton', fraction: 1, message: `residual ${initialResidual.toFixed(4)} → ${finalResidual.toFixed(4)}` });
  return { fieldMm, initialResidual, finalResidual, cgIterations: cgTotal, seconds };
}
