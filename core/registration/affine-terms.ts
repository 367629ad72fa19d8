/**
 * The affine step's loss and gradient kernels, on a range of fixed slices so that two threads
 * can share one pyramid level (parallel/kernel-pool.ts):
 * 1. warp: the moving image sampled (trilinear) through the fixed-index → moving-index map `c`,
 *    its index gradient, and the moving sums NCC needs (Σm, Σm², Σfm);
 * 2. gradient: d(−NCC)/d(parameters) from those and the level's NCC statistics.
 * Voxels mapped outside the moving image read 0 and have no gradient; every fixed voxel counts in
 * the NCC (unweighted), as similarity.ts's negNcc.
 */
import type { Vec3 } from '../volume/volume.js';

/** One pyramid level and its scratch arrays (in shared memory when two threads use it). */
export interface AffineLevelData {
  fixed: Float32Array;
  fixedDims: Vec3;
  moving: Float32Array;
  movingDims: Vec3;
  /** Scratch: the warped moving image and its index gradient (3 per voxel). */
  warped: Float32Array;
  gIdx: Float32Array;
}

/** The NCC's constants for the gradient pass: d(−NCC)/dm_v = −((f_v − mf)/denom − nccOverVm · (m_v − mm)). */
export interface NccCoefficients {
  mf: number;
  mm: number;
  denom: number;
  nccOverVm: number;
}

/** Slices k0 … k1−1: warped values and index gradients written; returns [Σm, Σm², Σf·m] over them. */
export function affineWarpRange(d: AffineLevelData, c: ArrayLike<number>, k0: number, k1: number): [number, number, number] {
  const [nx, ny] = d.fixedDims;
  const [mx, my, mz] = d.movingDims;
  const { fixed, moving: mov, warped, gIdx } = d;
  const mxy = mx * my;
  let sm = 0;
  let smm = 0;
  let sfm = 0;
  let v = nx * ny * k0;
  for (let k = k0; k < k1; k++)
    for (let j = 0; j < ny; j++)
      for (let i = 0; i < nx; i++, v++) {
        const x = c[0] * i + c[1] * j + c[2] * k + c[3];
        const y = c[4] * i + c[5] * j + c[6] * k + c[7];
        const z = c[8] * i + c[9] * j + c[10] * k + c[11];
        const x0 = Math.floor(x);
        const y0 = Math.floor(y);
        const z0 = Math.floor(z);
        if (x0 < 0 || y0 < 0 || z0 < 0 || x0 >= mx - 1 || y0 >= my - 1 || z0 >= mz - 1) {
          // Outside: 0, no gradient.
          warped[v] = 0;
          gIdx[3 * v] = 0;
          gIdx[3 * v + 1] = 0;
          gIdx[3 * v + 2] = 0;
          continue;
        }
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
        const m = c0 + fz * (c1 - c0);
        warped[v] = m;
        const dx0 = (1 - fy) * (v100 - v000) + fy * (v110 - v010);
        const dx1 = (1 - fy) * (v101 - v001) + fy * (v111 - v011);
        gIdx[3 * v] = (1 - fz) * dx0 + fz * dx1;
        gIdx[3 * v + 1] = (1 - fz) * ((1 - fx) * (v010 - v000) + fx * (v110 - v100)) + fz * ((1 - fx) * (v011 - v001) + fx * (v111 - v101));
        gIdx[3 * v + 2] = c1 - c0;
        const mw = warped[v];
        sm += mw;
        smm += mw * mw;
        sfm += fixed[v] * mw;
      }
  return [sm, smm, sfm];
}

/**
 * Slices k0 … k1−1: the gradient of −NCC with respect to the 12 parameters (M row-major, then t;
 * x_m = cm + (I + M)(x_f − cf) + t), from the warp pass's arrays.
 */
export function affineGradientRange(
  d: AffineLevelData,
  q: NccCoefficients,
  fI2W: ArrayLike<number>,
  mW2I: ArrayLike<number>,
  cf: Vec3,
  k0: number,
  k1: number,
): Float64Array {
  const [nx, ny] = d.fixedDims;
  const { fixed, warped, gIdx } = d;
  const grad = new Float64Array(12);
  let v = nx * ny * k0;
  for (let k = k0; k < k1; k++)
    for (let j = 0; j < ny; j++)
      for (let i = 0; i < nx; i++, v++) {
        const g0 = gIdx[3 * v];
        const g1 = gIdx[3 * v + 1];
        const g2 = gIdx[3 * v + 2];
        if (g0 === 0 && g1 === 0 && g2 === 0) continue;
        const g = -((fixed[v] - q.mf) / q.denom - q.nccOverVm * (warped[v] - q.mm));
        if (g === 0) continue;
        const gi = g0 * g;
        const gj = g1 * g;
        const gk = g2 * g;
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
  return grad;
}

/** Σf and Σf² of the fixed image (constant over a level's iterations). */
export function fixedSums(fixed: Float32Array): [number, number] {
  let sf = 0;
  let sff = 0;
  for (let i = 0; i < fixed.length; i++) {
    sf += fixed[i];
    sff += fixed[i] * fixed[i];
  }
  return [sf, sff];
}

/**
 * −NCC and the gradient pass's coefficients from the sums (n voxels): the centred sums as
 * Σab − Σa·Σb/n in double precision (intensities here are normalised to [0, 1]).
 */
export function nccFromSums(
  n: number,
  sf: number,
  sff: number,
  sm: number,
  smm: number,
  sfm: number,
): { loss: number; q: NccCoefficients } {
  const mf = sf / n;
  const mm = sm / n;
  const cov = sfm - sf * mm;
  const vf = Math.max(0, sff - sf * mf);
  const vm = Math.max(0, smm - sm * mm);
  const eps = 1e-8 * n;
  const denom = Math.sqrt((vf + eps) * (vm + eps));
  const ncc = cov / denom;
  return { loss: -ncc, q: { mf, mm, denom, nccOverVm: ncc / (vm + eps) } };
}
