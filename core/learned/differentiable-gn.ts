/**
 * Gauss-Newton steps written with tfjs ops, differentiable end to end: the data terms, the linear
 * solve and the warp are typed-array kernels with custom gradients (gn-terms-op.ts, solve-op.ts,
 * warp-op.ts). The data terms and the step limit are the code inference runs
 * (core/registration/gn-terms.ts, step-limit.ts), so a step here is the engine's step.
 *
 * Features are [nz, ny, nx, C] tensors on one grid; u is [nz, ny, nx, 3] in voxel units (x, y, z).
 */
import * as tf from '@tensorflow/tfjs';
import { gnUpdateOp } from '../tensor/solve-op.js';
import { gnTermsOp } from '../tensor/gn-terms-op.js';
import { stepScale } from '../registration/step-limit.js';
import type { StepLimit } from '../registration/step-limit.js';
import type { Vec3 } from '../volume/volume.js';

export interface DiffGnOptions {
  steps: number;
  lambda: number;
  delta: number;
  cgIterations?: number;
  cgTolerance?: number;
  /** Weight of the data terms (default 1/C). */
  termScale?: number;
  /** Voxels whose data terms count (inference's foreground mask); all when absent. */
  mask?: Uint8Array;
  /**
   * Per-voxel step limit as in inference (largest step, fold-aware halving); the scale is a
   * constant for the gradient, like a line search's step. No limit when absent.
   */
  limit?: StepLimit;
}

/** One Gauss-Newton update Δu [N, 3] at the field u [N, 3] (voxel units). */
export function gaussNewtonUpdate(
  fixedFlat: tf.Tensor2D,
  movingFlat: tf.Tensor2D,
  u: tf.Tensor2D,
  dims: Vec3,
  options: Omit<DiffGnOptions, 'steps'>,
): tf.Tensor2D {
  return tf.tidy(() => {
    const terms = gnTermsOp(movingFlat, fixedFlat, u, dims, options.termScale, options.mask);
    const du = gnUpdateOp(terms, u, dims, {
      lambda: options.lambda,
      delta: options.delta,
      maxIterations: options.cgIterations ?? 40,
      tolerance: options.cgTolerance ?? 1e-3,
    });
    if (!options.limit) return du;
    const n = dims[0] * dims[1] * dims[2];
    const scale = stepScale(u.dataSync() as Float32Array, du.dataSync() as Float32Array, dims, options.limit);
    return tf.mul(du, tf.tensor2d(scale, [n, 1])) as tf.Tensor2D;
  });
}

/** Runs `steps` Gauss-Newton steps from u = 0 and returns the displacement [nz, ny, nx, 3]. */
export function differentiableGaussNewton(fixedFeatures: tf.Tensor4D, movingFeatures: tf.Tensor4D, options: DiffGnOptions): tf.Tensor4D {
  return tf.tidy(() => {
    const [nz, ny, nx, C] = fixedFeatures.shape;
    const dims: Vec3 = [nx, ny, nz];
    const n = nx * ny * nz;
    const fixedFlat = tf.reshape(fixedFeatures, [n, C]) as tf.Tensor2D;
    const movingFlat = tf.reshape(movingFeatures, [n, C]) as tf.Tensor2D;
    let u = tf.zeros([n, 3]) as tf.Tensor2D;
    for (let s = 0; s < options.steps; s++) u = tf.add(u, gaussNewtonUpdate(fixedFlat, movingFlat, u, dims, options)) as tf.Tensor2D;
    return tf.reshape(u, [nz, ny, nx, 3]) as tf.Tensor4D;
  });
}

/** 1 − mean soft Dice over channels (one-hot label maps [nz, ny, nx, L], background excluded by the caller). */
export function softDiceLoss(pred: tf.Tensor4D, target: tf.Tensor4D): tf.Scalar {
  return tf.tidy(() => {
    const inter = tf.sum(tf.mul(pred, target), [0, 1, 2]);
    const denom = tf.add(tf.sum(pred, [0, 1, 2]), tf.sum(target, [0, 1, 2]));
    const dice = tf.div(tf.mul(inter, 2), tf.add(denom, 1e-6));
    return tf.sub(1, tf.mean(dice)) as tf.Scalar;
  });
}
