/**
 * The Gauss-Newton linear solve as a differentiable tfjs op (the paper's LSESolver, for a system
 * with 3×3 blocks per voxel):
 *
 *   x = (H + λL + δI)⁻¹ b      H: [N, 6] symmetric blocks (xx, yy, zz, xy, xz, yz), b: [N, 3]
 *
 * Forward and backward run the typed-array conjugate-gradient solver. The system is symmetric, so
 * the backward pass solves the same system for the upstream gradient g: y = A⁻¹g gives
 * ∂L/∂b = y and ∂L/∂A = −y xᵀ, i.e. per voxel ∂L/∂H_xx = −y_x x_x and ∂L/∂H_xy = −(y_x x_y + y_y x_x).
 */
import * as tf from '@tensorflow/tfjs';
import { solveNormalEquations, applyLaplacian } from '../registration/linear-solve.js';
import type { SolveOptions } from '../registration/linear-solve.js';
import type { Vec3 } from '../volume/volume.js';

type Custom = Parameters<typeof tf.customGrad>[0];

export function solveOp(H: tf.Tensor2D, b: tf.Tensor2D, dims: Vec3, options: SolveOptions): tf.Tensor2D {
  const n = dims[0] * dims[1] * dims[2];
  const op = tf.customGrad(((h: tf.Tensor, rhs: tf.Tensor, save: tf.GradSaveFunc) => {
    const hData = h.dataSync() as Float32Array;
    const { x } = solveNormalEquations(hData, rhs.dataSync() as Float32Array, dims, options);
    const out = tf.tensor2d(x, [n, 3]);
    save([h, out]);
    return {
      value: out,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [hs, xs] = saved;
        const hv = hs.dataSync() as Float32Array;
        const xv = xs.dataSync() as Float32Array;
        const { x: y } = solveNormalEquations(hv, dy.dataSync() as Float32Array, dims, options);
        const gH = new Float32Array(6 * n);
        for (let v = 0; v < n; v++) {
          const y0 = y[3 * v];
          const y1 = y[3 * v + 1];
          const y2 = y[3 * v + 2];
          const x0 = xv[3 * v];
          const x1 = xv[3 * v + 1];
          const x2 = xv[3 * v + 2];
          gH[6 * v] = -y0 * x0;
          gH[6 * v + 1] = -y1 * x1;
          gH[6 * v + 2] = -y2 * x2;
          gH[6 * v + 3] = -(y0 * x1 + y1 * x0);
          gH[6 * v + 4] = -(y0 * x2 + y2 * x0);
          gH[6 * v + 5] = -(y1 * x2 + y2 * x1);
        }
        return [tf.tensor2d(gH, [n, 6]), tf.tensor2d(y, [n, 3])];
      },
    };
  }) as unknown as Custom);
  return op(H, b) as tf.Tensor2D;
}

/** L·u for u: [N, 3] (6-neighbour Laplacian, Neumann); L is symmetric, so its gradient is L·dy. */
export function laplacianOp(u: tf.Tensor2D, dims: Vec3): tf.Tensor2D {
  const n = dims[0] * dims[1] * dims[2];
  const apply = (t: tf.Tensor) => {
    const out = new Float32Array(3 * n);
    applyLaplacian(t.dataSync() as Float32Array, dims, out);
    return tf.tensor2d(out, [n, 3]);
  };
  const op = tf.customGrad(((x: tf.Tensor) => ({ value: apply(x), gradFunc: (dy: tf.Tensor) => apply(dy) })) as unknown as Custom);
  return op(u) as tf.Tensor2D;
}

/**
 * One Gauss-Newton update from the data terms T = [H (6) | g (3)] per voxel and the current field u:
 *   Δ = (H + λL + δI)⁻¹ · −(g + λLu)
 * Backward, with y = A⁻¹ ∂L/∂Δ: ∂L/∂H = −sym(y Δᵀ), ∂L/∂g = −y, ∂L/∂u = −λ L y.
 */
export function gnUpdateOp(terms: tf.Tensor2D, u: tf.Tensor2D, dims: Vec3, options: SolveOptions): tf.Tensor2D {
  const n = dims[0] * dims[1] * dims[2];
  const op = tf.customGrad(((tT: tf.Tensor, uT: tf.Tensor, save: tf.GradSaveFunc) => {
    const t = tT.dataSync() as Float32Array;
    const uv = uT.dataSync() as Float32Array;
    const H = new Float32Array(6 * n);
    const rhs = new Float32Array(3 * n);
    const Lu = new Float32Array(3 * n);
    applyLaplacian(uv, dims, Lu);
    for (let v = 0; v < n; v++) {
      for (let q = 0; q < 6; q++) H[6 * v + q] = t[9 * v + q];
      for (let q = 0; q < 3; q++) rhs[3 * v + q] = -(t[9 * v + 6 + q] + options.lambda * Lu[3 * v + q]);
    }
    const { x } = solveNormalEquations(H, rhs, dims, options);
    const out = tf.tensor2d(x, [n, 3]);
    save([tT, out]);
    return {
      value: out,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const ts = saved[0].dataSync() as Float32Array;
        const xv = saved[1].dataSync() as Float32Array;
        const Hs = new Float32Array(6 * n);
        for (let v = 0; v < n; v++) for (let q = 0; q < 6; q++) Hs[6 * v + q] = ts[9 * v + q];
        const { x: y } = solveNormalEquations(Hs, dy.dataSync() as Float32Array, dims, options);
        const gT = new Float32Array(9 * n);
        for (let v = 0; v < n; v++) {
          const y0 = y[3 * v];
          const y1 = y[3 * v + 1];
          const y2 = y[3 * v + 2];
          const x0 = xv[3 * v];
          const x1 = xv[3 * v + 1];
          const x2 = xv[3 * v + 2];
          const o = 9 * v;
          gT[o] = -y0 * x0;
          gT[o + 1] = -y1 * x1;
          gT[o + 2] = -y2 * x2;
          gT[o + 3] = -(y0 * x1 + y1 * x0);
          gT[o + 4] = -(y0 * x2 + y2 * x0);
          gT[o + 5] = -(y1 * x2 + y2 * x1);
          gT[o + 6] = -y0;
          gT[o + 7] = -y1;
          gT[o + 8] = -y2;
        }
        const Ly = new Float32Array(3 * n);
        applyLaplacian(y, dims, Ly);
        for (let i = 0; i < Ly.length; i++) Ly[i] *= -options.lambda;
        return [tf.tensor2d(gT, [n, 9]), tf.tensor2d(Ly, [n, 3])];
      },
    };
  }) as unknown as Custom);
  return op(terms, u) as tf.Tensor2D;
}
