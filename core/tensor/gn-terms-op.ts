/**
 * The Gauss-Newton data terms as one differentiable tfjs op. Forward and backward are the
 * typed-array kernels of core/registration/gn-terms.ts, the same code inference runs, so training
 * and inference share one residual and one Jacobian (the derivative of the trilinear interpolant
 * of the moving features at x + u, clamped to the lattice):
 *
 *   gnTermsOp(moving [N, C], fixed [N, C], u [N, 3] voxel units (x, y, z)) → [N, 9]
 *   H = s Σ_c J_c J_cᵀ (xx, yy, zz, xy, xz, yz), then g = s Σ_c J_c r_c (tfjs custom ops have one output)
 *
 * s is `termScale` (default 1/C). Gradients flow to the moving and fixed features and to u.
 * Voxels outside `mask` (when given) contribute nothing, as in inference.
 */
import * as tf from '@tensorflow/tfjs';
import { normalEquationTerms, normalEquationTermsBackward } from '../registration/gn-terms.js';
import type { Vec3 } from '../volume/volume.js';

type Custom = Parameters<typeof tf.customGrad>[0];

export function gnTermsOp(
  moving: tf.Tensor2D,
  fixed: tf.Tensor2D,
  u: tf.Tensor2D,
  dims: Vec3,
  termScale?: number,
  mask?: Uint8Array,
): tf.Tensor2D {
  const [n, C] = moving.shape;
  const s = termScale ?? 1 / C;
  const op = tf.customGrad(((mT: tf.Tensor, fT: tf.Tensor, uT: tf.Tensor, save: tf.GradSaveFunc) => {
    const { H, g } = normalEquationTerms(
      fT.dataSync() as Float32Array,
      mT.dataSync() as Float32Array,
      C,
      dims,
      uT.dataSync() as Float32Array,
      s,
      mask,
    );
    const T = new Float32Array(9 * n);
    for (let v = 0; v < n; v++) {
      for (let q = 0; q < 6; q++) T[9 * v + q] = H[6 * v + q];
      for (let q = 0; q < 3; q++) T[9 * v + 6 + q] = g[3 * v + q];
    }
    save([mT, fT, uT]);
    return {
      value: tf.tensor2d(T, [n, 9]),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const dT = dy.dataSync() as Float32Array;
        const dH = new Float32Array(6 * n);
        const dg = new Float32Array(3 * n);
        for (let v = 0; v < n; v++) {
          for (let q = 0; q < 6; q++) dH[6 * v + q] = dT[9 * v + q];
          for (let q = 0; q < 3; q++) dg[3 * v + q] = dT[9 * v + 6 + q];
        }
        const [ms, fs, us] = saved.map((t) => t.dataSync() as Float32Array);
        const r = normalEquationTermsBackward(fs, ms, C, dims, us, s, mask, dH, dg);
        return [tf.tensor2d(r.dM, [n, C]), tf.tensor2d(r.dF, [n, C]), tf.tensor2d(r.du, [n, 3])];
      },
    };
  }) as unknown as Custom);
  return op(moving, fixed, u) as tf.Tensor2D;
}
