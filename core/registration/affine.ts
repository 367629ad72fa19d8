/**
 * Affine registration (12 degrees of freedom) in physical space.
 *
 * Finds the map from fixed world to moving world  x_m = A·x_f + b  that maximises normalised
 * cross-correlation between the fixed image and the moving image sampled through it. Works on
 * robustly normalised intensities, coarse to fine on block-averaged pyramids, initialised by
 * aligning centres of mass, optimised with Adam on analytic gradients (typed-array kernels).
 * Because everything is in world coordinates, scans with different grids, spacings and
 * orientations register directly.
 */
import { worldToIndexMatrix, indexToWorldMatrix, gridOf, voxelCount } from '../volume/volume.js';
import type { Vec3, Volume } from '../volume/volume.js';
import { isConstantRange } from '../kernels/intensity.js';
import { buildPyramid, centreOfMassWorld, downsample2, PYRAMID_MIN_SIZE } from '../kernels/pyramid.js';
import { affineLevelTerms, normalizeRobustPair, warmUpKernelPool } from '../parallel/kernel-pool.js';
import type { AffineLevelTerms } from '../parallel/kernel-pool.js';
import { Adam } from './adam.js';
import { throwIfAborted, LabelWarpError } from '../util/errors.js';
import type { ProgressFn } from '../pipeline/progress.js';

export interface AffineOptions {
  /** Pyramid levels, coarse to fine (default 3). */
  levels?: number;
  /** Adam iterations per level, coarse to fine (default [200, 120, 60]). */
  iterations?: number[];
  /** Initial step for the translation, in mm, at the coarsest level (default 3). */
  translationStepMm?: number;
  /** Initial step for the linear part (default 0.02). */
  linearStep?: number;
  /**
   * While the finest level with iterations has more voxels than this, the schedule moves one
   * level coarser (a pyramid level is added), so that large images align at a bounded cost.
   */
  maxVoxels?: number;
  /** 'affine' (12 dof) or 'rigid-scale' restricts nothing else yet; kept for future models. */
  signal?: AbortSignal;
  onProgress?: ProgressFn;
}

export interface AffineResult {
  /** 4×4 row-major matrix: fixed world (LPS mm) → moving world (LPS mm). */
  matrix: Float64Array;
  /** Final NCC between fixed and affinely warped moving image (finest level). */
  ncc: number;
  /** Initial NCC after centre-of-mass alignment (finest level). */
  initialNcc: number;
}

interface Level {
  fixed: Volume<Float32Array>;
  moving: Volume<Float32Array>;
  /** The level's kernels, made on first use (scratch arrays, shared memory). */
  terms?: AffineLevelTerms;
}

export async function registerAffine(fixedVol: Volume, movingVol: Volume, options: AffineOptions = {}): Promise<AffineResult> {
  const levels = options.levels ?? 3;
  const iterations = options.iterations ?? [200, 120, 60];
  const tStep = options.translationStepMm ?? 3;
  const mStep = options.linearStep ?? 0.02;
  // The second thread starts now, so that its start-up overlaps the normalisation and pyramids.
  warmUpKernelPool();
  // One robust range per image serves the contrast check and the normalisation (the template's on
  // the second thread).
  const [fixedNorm, movingNorm] = await normalizeRobustPair(fixedVol.data, movingVol.data);
  if (isConstantRange(fixedNorm.range)) throw new LabelWarpError('the scan has no contrast (constant image): nothing to register');
  if (isConstantRange(movingNorm.range))
    throw new LabelWarpError('the template image has no contrast (constant image): nothing to register');

  const fixed = { ...gridOf(fixedVol), components: 1, data: fixedNorm.data };
  const moving = { ...gridOf(movingVol), components: 1, data: movingNorm.data };
  let fixedPyr = buildPyramid(fixed, levels);
  // The finest level the schedule iterates on; coarser levels are added while it is too large.
  const schedule = Array.from({ length: levels }, (_, l) => iterations[Math.min(l, iterations.length - 1)]);
  const active = schedule.reduce((last, it, l) => (it > 0 ? l : last), -1);
  const limit = options.maxVoxels ?? Infinity;
  for (let extra = 1; active >= 0 && voxelCount(fixedPyr[active]) > limit && extra <= 4; extra++) {
    // buildPyramid(fixed, levels + extra), from the levels already built: one more coarse level.
    const deeper = [downsample2(fixedPyr[0], PYRAMID_MIN_SIZE), ...fixedPyr];
    if (voxelCount(deeper[active]) === voxelCount(fixedPyr[active])) break; // cannot shrink further
    fixedPyr = deeper;
  }
  const movingPyr = buildPyramid(moving, fixedPyr.length);
  const pyramid: Level[] = fixedPyr.map((f, i) => ({ fixed: f, moving: movingPyr[i] }));

  const cf = centreOfMassWorld(fixed, fixed.data, 0.05);
  const cm = centreOfMassWorld(moving, moving.data, 0.05);
  // Parameters: M (3×3, row-major, A = I + M), t (3): x_m = cm + (I+M)(x_f − cf) + t.
  const params = new Float64Array(12);
  const total = schedule.reduce((a, b) => a + b, 0);
  let done = 0;
  let initialNcc = NaN;
  let ncc = NaN;
  for (let l = 0; l < pyramid.length; l++) {
    const level = pyramid[l];
    const iters = schedule[l] ?? 0;
    const adam = new Adam(12);
    const scale = Math.pow(0.5, l);
    for (let it = 0; it < iters; it++) {
      if (it % 10 === 0) {
        throwIfAborted(options.signal);
        options.onProgress?.({
          stage: 'affine',
          fraction: done / total,
          message: `level ${l + 1}/${pyramid.length}, iteration ${it + 1}/${iters}`,
        });
        if (it % 20 === 0) await new Promise((r) => setImmediate(r));
      }
      const { loss, grad } = await affineLossAndGradient(level, params, cf, cm);
      if (l === active && it === 0) initialNcc = -loss;
      ncc = -loss;
      const decay = 0.5 * (1 + Math.cos((Math.PI * it) / iters)) * 0.9 + 0.1;
      const lr = new Float64Array(12);
      for (let i = 0; i < 9; i++) lr[i] = mStep * scale * decay;
      for (let i = 9; i < 12; i++) lr[i] = tStep * scale * decay;
      adam.step(params, grad, lr);
      done++;
    }
  }
  // NCC on the finest level iterated (levels finer than that would cost a full-resolution warp).
  const finest = pyramid[Math.max(0, active)];
  ncc = -(await affineLossAndGradient(finest, params, cf, cm)).loss;
  options.onProgress?.({ stage: 'affine', fraction: 1, message: `NCC ${ncc.toFixed(3)}` });
  return { matrix: paramsToMatrix(params, cf, cm), ncc, initialNcc };
}

/** x_m = A x_f + b with A = I + M, b = cm + t − A·cf. */
export function paramsToMatrix(p: ArrayLike<number>, cf: Vec3, cm: Vec3): Float64Array {
  const m = new Float64Array(16);
  for (let r = 0; r < 3; r++) {
    let acf = 0;
    for (let c = 0; c < 3; c++) {
      const a = (r === c ? 1 : 0) + p[r * 3 + c];
      m[r * 4 + c] = a;
      acf += a * cf[c];
    }
    m[r * 4 + 3] = cm[r] + p[9 + r] - acf;
  }
  m[15] = 1;
  return m;
}

/** −NCC and its gradient at parameters p, on one level (kernels: affine-terms.ts, on two threads). */
async function affineLossAndGradient(level: Level, p: Float64Array, cf: Vec3, cm: Vec3): Promise<{ loss: number; grad: Float64Array }> {
  const { fixed, moving } = level;
  const fI2W = indexToWorldMatrix(fixed);
  const mW2I = worldToIndexMatrix(moving);
  const T = paramsToMatrix(p, cf, cm);
  // Combined fixed index → moving index.
  const c = new Float64Array(12);
  for (let r = 0; r < 3; r++)
    for (let col = 0; col < 4; col++) {
      let s = 0;
      for (let k = 0; k < 4; k++) {
        let tk = 0;
        for (let q = 0; q < 4; q++) tk += T[k * 4 + q] * fI2W[q * 4 + col];
        s += mW2I[r * 4 + k] * tk;
      }
      c[r * 4 + col] = s;
    }
  level.terms ??= affineLevelTerms(fixed.data, fixed.dims, moving.data, moving.dims);
  return level.terms(c, fI2W, mW2I, cf);
}
