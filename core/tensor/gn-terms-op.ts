/**
 * The Gauss-Newton data terms as one differentiable tfjs op on typed arrays (the tfjs cpu
 * backend's slicing and concatenation of 4D tensors is far too slow for this):
 *
 *   J_c = central differences of the warped features W_c along x, y, z (edge replicated)
 *   r_c = W_c − F_c
 *   H = (1/C) Σ_c J_c J_cᵀ  → [N, 6] (xx, yy, zz, xy, xz, yz)
 *   g = (1/C) Σ_c J_c r_c   → [N, 3]
 *   returned together as [N, 9]: H's six values, then g's three (tfjs custom ops have one output).
 *
 * (1/C is the default weight; `termScale` replaces it.) W and F are [N, C] (channel fastest) on a lattice of `dims`; gradients flow to both.
 */
import * as tf from '@tensorflow/tfjs';
import type { Vec3 } from '../volume/volume.js';

type Custom = Parameters<typeof tf.customGrad>[0];

/** Central-difference gradient of every channel, interleaved [N, C, 3]. */
function centralDifferences(w: Float32Array, dims: Vec3, C: number): Float32Array {
  const [nx, ny, nz] = dims;
  const out = new Float32Array(w.length * 3);
  let v = 0;
  for (let k = 0; k < nz; k++)
    for (let j = 0; j < ny; j++)
      for (let i = 0; i < nx; i++, v++) {
        const xp = (i < nx - 1 ? v + 1 : v) * C;
        const xm = (i > 0 ? v - 1 : v) * C;
        const yp = (j < ny - 1 ? v + nx : v) * C;
        const ym = (j > 0 ? v - nx : v) * C;
        const zp = (k < nz - 1 ? v + nx * ny : v) * C;
        const zm = (k > 0 ? v - nx * ny : v) * C;
        for (let c = 0; c < C; c++) {
          const o = 3 * (v * C + c);
          out[o] = 0.5 * (w[xp + c] - w[xm + c]);
          out[o + 1] = 0.5 * (w[yp + c] - w[ym + c]);
          out[o + 2] = 0.5 * (w[zp + c] - w[zm + c]);
        }
      }
  return out;
}

/** Adjoint of centralDifferences: accumulates Dᵀa into `into` ([N, C]). */
function centralDifferencesAdjoint(a: Float32Array, dims: Vec3, C: number, into: Float32Array): void {
  const [nx, ny, nz] = dims;
  let v = 0;
  for (let k = 0; k < nz; k++)
    for (let j = 0; j < ny; j++)
      for (let i = 0; i < nx; i++, v++) {
        const xp = (i < nx - 1 ? v + 1 : v) * C;
        const xm = (i > 0 ? v - 1 : v) * C;
        const yp = (j < ny - 1 ? v + nx : v) * C;
        const ym = (j > 0 ? v - nx : v) * C;
        const zp = (k < nz - 1 ? v + nx * ny : v) * C;
        const zm = (k > 0 ? v - nx * ny : v) * C;
        for (let c = 0; c < C; c++) {
          const o = 3 * (v * C + c);
          into[xp + c] += 0.5 * a[o];
          into[xm + c] -= 0.5 * a[o];
          into[yp + c] += 0.5 * a[o + 1];
          into[ym + c] -= 0.5 * a[o + 1];
          into[zp + c] += 0.5 * a[o + 2];
          into[zm + c] -= 0.5 * a[o + 2];
        }
      }
}

export function gnTermsOp(warped: tf.Tensor2D, fixed: tf.Tensor2D, dims: Vec3, termScale?: number): tf.Tensor2D {
  const [n, C] = warped.shape;
  const invC = termScale ?? 1 / C;
  const op = tf.customGrad(((wT: tf.Tensor, fT: tf.Tensor, save: tf.GradSaveFunc) => {
    const w = wT.dataSync() as Float32Array;
    const f = fT.dataSync() as Float32Array;
    const J = centralDifferences(w, dims, C);
    const T = new Float32Array(9 * n);
    for (let v = 0; v < n; v++) {
      let h0 = 0,
        h1 = 0,
        h2 = 0,
        h3 = 0,
        h4 = 0,
        h5 = 0,
        g0 = 0,
        g1 = 0,
        g2 = 0;
      for (let c = 0; c < C; c++) {
        const o = 3 * (v * C + c);
        const jx = J[o];
        const jy = J[o + 1];
        const jz = J[o + 2];
        const r = w[v * C + c] - f[v * C + c];
        h0 += jx * jx;
        h1 += jy * jy;
        h2 += jz * jz;
        h3 += jx * jy;
        h4 += jx * jz;
        h5 += jy * jz;
        g0 += jx * r;
        g1 += jy * r;
        g2 += jz * r;
      }
      const t = 9 * v;
      T[t] = h0 * invC;
      T[t + 1] = h1 * invC;
      T[t + 2] = h2 * invC;
      T[t + 3] = h3 * invC;
      T[t + 4] = h4 * invC;
      T[t + 5] = h5 * invC;
      T[t + 6] = g0 * invC;
      T[t + 7] = g1 * invC;
      T[t + 8] = g2 * invC;
    }
    save([wT, fT]);
    return {
      value: tf.tensor2d(T, [n, 9]),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const dT = dy.dataSync() as Float32Array;
        const ws = saved[0].dataSync() as Float32Array;
        const fs = saved[1].dataSync() as Float32Array;
        const Js = centralDifferences(ws, dims, C);
        const dJ = new Float32Array(Js.length);
        const dW = new Float32Array(n * C);
        const dF = new Float32Array(n * C);
        for (let v = 0; v < n; v++) {
          const a = 9 * v;
          const b = 9 * v + 6;
          for (let c = 0; c < C; c++) {
            const o = 3 * (v * C + c);
            const jx = Js[o];
            const jy = Js[o + 1];
            const jz = Js[o + 2];
            const r = ws[v * C + c] - fs[v * C + c];
            dJ[o] = invC * (2 * dT[a] * jx + dT[a + 3] * jy + dT[a + 4] * jz + dT[b] * r);
            dJ[o + 1] = invC * (2 * dT[a + 1] * jy + dT[a + 3] * jx + dT[a + 5] * jz + dT[b + 1] * r);
            dJ[o + 2] = invC * (2 * dT[a + 2] * jz + dT[a + 4] * jx + dT[a + 5] * jy + dT[b + 2] * r);
            const dr = invC * (dT[b] * jx + dT[b + 1] * jy + dT[b + 2] * jz);
            dW[v * C + c] = dr;
            dF[v * C + c] = -dr;
          }
        }
        centralDifferencesAdjoint(dJ, dims, C, dW);
        return [tf.tensor2d(dW, [n, C]), tf.tensor2d(dF, [n, C])];
      },
    };
  }) as unknown as Custom);
  return op(warped, fixed) as tf.Tensor2D;
}
