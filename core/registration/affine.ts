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
import { worldToIndexMatrix, indexToWorldMatrix, toFloat32, voxelCount } from '../volume/volume.js';
import type { Vec3, Volume } from '../volume/volume.js';
import { isConstantRange, normalizeToRange, robustRange } from '../kernels/intensity.js';
import { buildPyramid, centreOfMassWorld } from '../kernels/pyramid.js';
import { negNcc } from './similarity.js';
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
}

export async function registerAffine(fixedVol: Volume, movingVol: Volume, options: AffineOptions = {}): Promise<AffineResult> {
  const levels = options.levels ?? 3;
  const iterations = options.iterations ?? [200, 120, 60];
  const tStep = options.translationStepMm ?? 3;
  const mStep = options.linearStep ?? 0.02;
  // One robust range per image serves the contrast check and the normalisation.
  const fixedRange = robustRange(fixedVol.data);
  if (isConstantRange(fixedRange)) throw new LabelWarpError('the scan has no contrast (constant image): nothing to register');
  const movingRange = robustRange(movingVol.data);
  if (isConstantRange(movingRange)) throw new LabelWarpError('the template image has no contrast (constant image): nothing to register');

  const fixed = { ...toFloat32(fixedVol), data: normalizeToRange(fixedVol.data, fixedRange) };
  const moving = { ...toFloat32(movingVol), data: normalizeToRange(movingVol.data, movingRange) };
  let fixedPyr = buildPyramid(fixed, levels);
  // The finest level the schedule iterates on; coarser levels are added while it is too large.
  const schedule = Array.from({ length: levels }, (_, l) => iterations[Math.min(l, iterations.length - 1)]);
  const active = schedule.reduce((last, it, l) => (it > 0 ? l : last), -1);
  const limit = options.maxVoxels ?? Infinity;
  for (let extra = 1; active >= 0 && voxelCount(fixedPyr[active]) > limit && extra <= 4; extra++) {
    const deeper = buildPyramid(fixed, levels + extra);
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
      const { loss, grad } = affineLossAndGradient(level, params, cf, cm);
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
  ncc = -affineLossAndGradient(finest, params, cf, cm).loss;
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

function affineLossAndGradient(level: Level, p: Float64Array, cf: Vec3, cm: Vec3): { loss: number; grad: Float64Array } {
  const { fixed, moving } = level;
  const [nx, ny, nz] = fixed.dims;
  const [mx, my, mz] = moving.dims;
  const n = nx * ny * nz;
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
  const warped = new Float32Array(n);
  const gIdx = new Float32Array(3 * n);
  const mov = moving.data;
  const mxy = mx * my;
  let v = 0;
  for (let k = 0; k < nz; k++)
    for (let j = 0; j < ny; j++)
      for (let i = 0; i < nx; i++, v++) {
        const x = c[0] * i + c[1] * j + c[2] * k + c[3];
        const y = c[4] * i + c[5] * j + c[6] * k + c[7];
        const z = c[8] * i + c[9] * j + c[10] * k + c[11];
        const x0 = Math.floor(x);
        const y0 = Math.floor(y);
        const z0 = Math.floor(z);
        if (x0 < 0 || y0 < 0 || z0 < 0 || x0 >= mx - 1 || y0 >= my - 1 || z0 >= mz - 1) continue; // outside: 0, no gradient
        const fx = x - x0;
        const fy = y - y0;
        const fz = z - z0;
        const b = x0 + mx * y0 + mxy * z0;
        const v000 = mov[b];
        const v100 = mov[b + 1];
        const v010 = mov[b + mx];
        const v110 = mov[b + mx + 1];
        const v001 = mov[b + mxy];
        const v101 = mov[b + mxy + 1];
        const v011 = mov[b + mxy + mx];
        const v111 = mov[b + mxy + mx + 1];
        const c00 = v000 + fx * (v100 - v000);
        const c10 = v010 + fx * (v110 - v010);
        const c01 = v001 + fx * (v101 - v001);
        const c11 = v011 + fx * (v111 - v011);
        const c0 = c00 + fy * (c10 - c00);
        const c1 = c01 + fy * (c11 - c01);
        warped[v] = c0 + fz * (c1 - c0);
        const dx0 = (1 - fy) * (v100 - v000) + fy * (v110 - v010);
        const dx1 = (1 - fy) * (v101 - v001) + fy * (v111 - v011);
        gIdx[3 * v] = (1 - fz) * dx0 + fz * dx1;
        gIdx[3 * v + 1] = (1 - fz) * ((1 - fx) * (v010 - v000) + fx * (v110 - v100)) + fz * ((1 - fx) * (v011 - v001) + fx * (v111 - v101));
        gIdx[3 * v + 2] = c1 - c0;
      }
  const { loss, grad: gW } = negNcc(fixed.data, warped);
  // dL/dx_m(world) = mW2I_linearᵀ · gIdx · gW ; dx_m/dM[r][c] = (x_f − cf)[c], dx_m/dt[r] = 1.
  const grad = new Float64Array(12);
  v = 0;
  for (let k = 0; k < nz; k++)
    for (let j = 0; j < ny; j++)
      for (let i = 0; i < nx; i++, v++) {
        const g = gW[v];
        if (g === 0) continue;
        const gi = gIdx[3 * v] * g;
        const gj = gIdx[3 * v + 1] * g;
        const gk = gIdx[3 * v + 2] * g;
        if (gi === 0 && gj === 0 && gk === 0) continue;
        const wx = mW2I[0] * gi + mW2I[4] * gj + mW2I[8] * gk;
        const wy = mW2I[1] * gi + mW2I[5] * gj + mW2I[9] * gk;
        const wz = mW2I[2] * gi + mW2I[6] * gj + mW2I[10] * gk;
        const px = fI2W[0] * i + fI2W[1] * j + fI2W[2] * k + fI2W[3] - cf[0];
        const py = fI2W[4] * i + fI2W[5] * j + fI2W[6] * k + fI2W[7] - cf[1];
        const pz = fI2W[8] * i + fI2W[9] * j + fI2W[10] * k + fI2W[11] - cf[2];
        grad[0] += wx * px;
        grad[1] += wx * py;
        grad[2] += wx * pz;
        grad[3] += wy * px;
        grad[4] += wy * py;
        grad[5] += wy * pz;
        grad[6] += wz * px;
        grad[7] += wz * py;
        grad[8] += wz * pz;
        grad[9] += wx;
        grad[10] += wy;
        grad[11] += wz;
      }
  return { loss, grad };
}
