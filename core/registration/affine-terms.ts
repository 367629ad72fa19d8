/**
 * The affine step's loss and gradient, in one pass over a range of fixed slices so that two
 * threads can share one pyramid level (parallel/kernel-pool.ts).
 *
 * The moving image is sampled (trilinear) through the fixed-index → moving-index map `c`. −NCC
 * needs Σm, Σm², Σf·m. Its derivative with respect to a warped value is linear in f and m,
 *   d(−NCC)/dm_v = a·f_v + b·m_v + e   (a, b, e constants of the level's NCC statistics),
 * and the parameter gradient is Σ_v d(−NCC)/dm_v · ∇m_v ⊗ (position of v). So the pass also sums,
 * for each s ∈ {f, m, 1}, each index-gradient component g_a and each index coordinate
 * (i, j, k, 1), Σ s·g_a·coordinate: 36 sums, from which `affineGradient` forms the 12 derivatives
 * once the NCC statistics are known. No per-voxel scratch, one pass instead of two.
 * Voxels mapped outside the moving image read 0 and have no gradient; every fixed voxel counts in
 * the NCC (unweighted), as similarity.ts's negNcc.
 */
import type { Vec3 } from '../volume/volume.js';

/** One pyramid level (in shared memory when two threads use it). */
export interface AffineLevelData {
  fixed: Float32Array;
  fixedDims: Vec3;
  moving: Float32Array;
  movingDims: Vec3;
}

/** Sums of one range: [Σm, Σm², Σf·m, then Σ s·g_a·x_c at 3 + 12s + 4a + c (s: f, m, 1; x: i, j, k, 1)]. */
export const AFFINE_SUMS = 39;

/** The NCC's constants for the gradient: d(−NCC)/dm_v = −((f_v − mf)/denom − nccOverVm · (m_v − mm)). */
export interface NccCoefficients {
  mf: number;
  mm: number;
  denom: number;
  nccOverVm: number;
}

/** Slices k0 … k1−1: the AFFINE_SUMS sums of the range. */
export function affineSumsRange(d: AffineLevelData, c: ArrayLike<number>, k0: number, k1: number): Float64Array {
  const [nx, ny] = d.fixedDims;
  const [mx, my, mz] = d.movingDims;
  const { fixed, moving: mov } = d;
  const mxy = mx * my;
  const out = new Float64Array(AFFINE_SUMS);
  let sm = 0;
  let smm = 0;
  let sfm = 0;
  let v = nx * ny * k0;
  for (let k = k0; k < k1; k++)
    for (let j = 0; j < ny; j++) {
      // Per row: Σ s·g_a and Σ s·g_a·i for s = f, m, 1 (the row's j and k are applied at its end).
      let f0 = 0,
        f1 = 0,
        f2 = 0,
        fi0 = 0,
        fi1 = 0,
        fi2 = 0;
      let m0 = 0,
        m1 = 0,
        m2 = 0,
        mi0 = 0,
        mi1 = 0,
        mi2 = 0;
      let o0 = 0,
        o1 = 0,
        o2 = 0,
        oi0 = 0,
        oi1 = 0,
        oi2 = 0;
      const xr = c[1] * j + c[2] * k + c[3];
      const yr = c[5] * j + c[6] * k + c[7];
      const zr = c[9] * j + c[10] * k + c[11];
      for (let i = 0; i < nx; i++, v++) {
        const x = c[0] * i + xr;
        const y = c[4] * i + yr;
        const z = c[8] * i + zr;
        const x0 = Math.floor(x);
        const y0 = Math.floor(y);
        const z0 = Math.floor(z);
        // Outside: 0, no gradient.
        if (x0 < 0 || y0 < 0 || z0 < 0 || x0 >= mx - 1 || y0 >= my - 1 || z0 >= mz - 1) continue;
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
        const g0 = (1 - fz) * ((1 - fy) * (v100 - v000) + fy * (v110 - v010)) + fz * ((1 - fy) * (v101 - v001) + fy * (v111 - v011));
        const g1 = (1 - fz) * ((1 - fx) * (v010 - v000) + fx * (v110 - v100)) + fz * ((1 - fx) * (v011 - v001) + fx * (v111 - v101));
        const g2 = c1 - c0;
        const f = fixed[v];
        sm += m;
        smm += m * m;
        sfm += f * m;
        const fg0 = f * g0;
        const fg1 = f * g1;
        const fg2 = f * g2;
        const mg0 = m * g0;
        const mg1 = m * g1;
        const mg2 = m * g2;
        f0 += fg0;
        f1 += fg1;
        f2 += fg2;
        fi0 += fg0 * i;
        fi1 += fg1 * i;
        fi2 += fg2 * i;
        m0 += mg0;
        m1 += mg1;
        m2 += mg2;
        mi0 += mg0 * i;
        mi1 += mg1 * i;
        mi2 += mg2 * i;
        o0 += g0;
        o1 += g1;
        o2 += g2;
        oi0 += g0 * i;
        oi1 += g1 * i;
        oi2 += g2 * i;
      }
      // Σ s·g_a·(i, j, k, 1) at 3 + 12s + 4a (no arrays here: this runs once per row, and code
      // that a long first row has not reached yet would leave the compiled loop without feedback).
      addRow(out, 3, fi0, f0, j, k);
      addRow(out, 7, fi1, f1, j, k);
      addRow(out, 11, fi2, f2, j, k);
      addRow(out, 15, mi0, m0, j, k);
      addRow(out, 19, mi1, m1, j, k);
      addRow(out, 23, mi2, m2, j, k);
      addRow(out, 27, oi0, o0, j, k);
      addRow(out, 31, oi1, o1, j, k);
      addRow(out, 35, oi2, o2, j, k);
    }
  out[0] = sm;
  out[1] = smm;
  out[2] = sfm;
  return out;
}

/** One row's Σ s·g_a·i and Σ s·g_a into the sums at `at` (coordinates i, j, k, 1). */
function addRow(out: Float64Array, at: number, sumI: number, sum: number, j: number, k: number): void {
  out[at] += sumI;
  out[at + 1] += sum * j;
  out[at + 2] += sum * k;
  out[at + 3] += sum;
}

/**
 * The gradient of −NCC with respect to the 12 parameters (M row-major, then t;
 * x_m = cm + (I + M)(x_f − cf) + t) from a level's summed sums and its NCC coefficients.
 */
export function affineGradient(
  sums: Float64Array,
  q: NccCoefficients,
  fI2W: ArrayLike<number>,
  mW2I: ArrayLike<number>,
  cf: Vec3,
): Float64Array {
  // d(−NCC)/dm_v = −f_v/denom + nccOverVm·m_v + (mf/denom − nccOverVm·mm).
  const weight = [-1 / q.denom, q.nccOverVm, q.mf / q.denom - q.nccOverVm * q.mm];
  // G[a][x]: Σ_v d(−NCC)/dm_v · g_a · x (x: i, j, k, 1).
  const G = new Float64Array(12);
  for (let s = 0; s < 3; s++) for (let t = 0; t < 12; t++) G[t] += weight[s] * sums[3 + 12 * s + t];
  // The position relative to cf is affine in the index: p_b = Σ_x P[b][x]·x.
  const P = (b: number, x: number) => (x < 3 ? fI2W[4 * b + x] : fI2W[4 * b + 3] - cf[b]);
  const grad = new Float64Array(12);
  for (let r = 0; r < 3; r++)
    for (let a = 0; a < 3; a++) {
      // The world gradient component r gets mW2I[a][r]·g_a.
      const w = mW2I[4 * a + r];
      if (w === 0) continue;
      for (let b = 0; b < 3; b++) {
        let s = 0;
        for (let x = 0; x < 4; x++) s += P(b, x) * G[4 * a + x];
        grad[3 * r + b] += w * s;
      }
      grad[9 + r] += w * G[4 * a + 3];
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
 * −NCC and affineGradient's coefficients from the sums (n voxels): the centred sums as
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
