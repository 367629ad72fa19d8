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

/** ∂L/∂H = −sym(y xᵀ) per voxel, written as (xx, yy, zz, xy, xz, yz) at `stride` values a voxel. */
function blockGradient(y: ArrayLike<number>, x: ArrayLike<number>, out: Float32Array, stride: number): void {
  const n = y.length / 3;
  for (let v = 0; v < n; v++) {
    const y0 = y[3 * v];
    const y1 = y[3 * v + 1];
    const y2 = y[3 * v + 2];
    const x0 = x[3 * v];
    const x1 = x[3 * v + 1];
    const x2 = x[3 * v + 2];
    const o = stride * v;
    out[o] = -y0 * x0;
    out[o + 1] = -y1 * x1;
    out[o + 2] = -y2 * x2;
    out[o + 3] = -(y0 * x1 + y1 * x0);
    out[o + 4] = -(y0 * x2 + y2 * x0);
    out[o + 5] = -(y1 * x2 + y2 * x1);
  }
}

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
        blockGradient(y, xv, gH, 6);
        return [tf.tensor2d(gH, [n, 6]), tf.tensor2d(y, [n, 3])];
      },
    };
  }) as unknown as Custom);
  return op(H, b) as tf.Tensor2D;
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
        blockGradient(y, xv, gT, 9);
        for (let v = 0; v < n; v++) for (let q = 0; q < 3; q++) gT[9 * v + 6 + q] = -y[3 * v + q];
        const Ly = new Float32Array(3 * n);
        applyLaplacian(y, dims, Ly);
        for (let i = 0; i < Ly.length; i++) Ly[i] *= -options.lambda;
        return [tf.tensor2d(gT, [n, 9]), tf.tensor2d(Ly, [n, 3])];
      },
    };
  }) as unknown as Custom);
  return op(terms, u) as tf.Tensor2D;
}
