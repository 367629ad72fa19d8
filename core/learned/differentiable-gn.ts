/**
 * Gauss-Newton steps written with tfjs ops, differentiable end to end: the warp and the linear
 * solve are typed-array kernels with custom gradients (warp-op.ts, solve-op.ts); everything else
 * is elementwise. Used to train feature networks through the unrolled optimisation.
 *
 * Features are [nz, ny, nx, C] tensors on one grid; u is [nz, ny, nx, 3] in voxel units (x, y, z).
 */
import * as tf from '@tensorflow/tfjs';
import { warpChannelsOp } from '../tensor/warp-op.js';
import { gnUpdateOp } from '../tensor/solve-op.js';
import { gnTermsOp } from '../tensor/gn-terms-op.js';
import type { Vec3 } from '../volume/volume.js';

export interface DiffGnOptions {
  steps: number;
  lambda: number;
  delta: number;
  cgIterations?: number;
  cgTolerance?: number;
  /** Weight of the data terms (default 1/C). */
  termScale?: number;
}

/** Runs `steps` Gauss-Newton steps from u = 0 and returns the displacement [nz, ny, nx, 3]. */
export function differentiableGaussNewton(fixedFeatures: tf.Tensor4D, movingFeatures: tf.Tensor4D, options: DiffGnOptions): tf.Tensor4D {
  return tf.tidy(() => {
    const [nz, ny, nx, C] = fixedFeatures.shape;
    const dims: Vec3 = [nx, ny, nz];
    const n = nx * ny * nz;
    let u = tf.zeros([nz, ny, nx, 3]) as tf.Tensor4D;
    const fixedFlat = tf.reshape(fixedFeatures, [n, C]) as tf.Tensor2D;
    for (let s = 0; s < options.steps; s++) {
      const w = tf.reshape(warpChannelsOp(movingFeatures, u), [n, C]) as tf.Tensor2D;
      const terms = gnTermsOp(w, fixedFlat, dims, options.termScale);
      const du = gnUpdateOp(terms, tf.reshape(u, [n, 3]) as tf.Tensor2D, dims, {
        lambda: options.lambda,
        delta: options.delta,
        maxIterations: options.cgIterations ?? 40,
        tolerance: options.cgTolerance ?? 1e-3,
      });
      u = tf.add(u, tf.reshape(du, [nz, ny, nx, 3])) as tf.Tensor4D;
    }
    return u;
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
