/**
 * The Jacobian determinant det(I + ∇u) of a displacement u [nz, ny, nx, 3] in voxel units (x, y, z),
 * in tfjs ops so that it is differentiable: the definition of the metrics (core/kernels/jacobian.ts):
 * central differences inside, one-sided at the border, zero along a flat axis.
 */
import * as tf from '@tensorflow/tfjs';

/** ∂u/∂(axis) by central differences, one-sided at both ends; same shape as u. */
function derivative(u: tf.Tensor4D, axis: 0 | 1 | 2): tf.Tensor4D {
  const m = u.shape[axis];
  if (m < 2) return tf.zerosLike(u);
  const size = (len: number) => u.shape.map((s, i) => (i === axis ? len : s));
  const begin = (at: number) => u.shape.map((_, i) => (i === axis ? at : 0));
  const d = tf.sub(tf.slice(u, begin(1), size(m - 1)), tf.slice(u, begin(0), size(m - 1))) as tf.Tensor4D;
  if (m === 2) return tf.concat([d, d], axis) as tf.Tensor4D;
  const inner = tf.mul(tf.add(tf.slice(d, begin(0), size(m - 2)), tf.slice(d, begin(1), size(m - 2))), 0.5);
  return tf.concat([tf.slice(d, begin(0), size(1)), inner, tf.slice(d, begin(m - 2), size(1))], axis) as tf.Tensor4D;
}

/** det(I + ∇u) per voxel, [nz, ny, nx]. */
export function jacobianDeterminantOp(u: tf.Tensor4D): tf.Tensor3D {
  return tf.tidy(() => {
    // d[c][a] = ∂u_c/∂x_a, with x, y, z the tensor axes 2, 1, 0.
    const byAxis = ([2, 1, 0] as const).map((axis) => tf.unstack(derivative(u, axis), 3));
    const d = (c: number, a: number) => byAxis[a][c];
    const one = (c: number) => tf.add(d(c, c), 1);
    const [a00, a11, a22] = [one(0), one(1), one(2)];
    const t0 = tf.mul(a00, tf.sub(tf.mul(a11, a22), tf.mul(d(1, 2), d(2, 1))));
    const t1 = tf.mul(d(0, 1), tf.sub(tf.mul(d(1, 0), a22), tf.mul(d(1, 2), d(2, 0))));
    const t2 = tf.mul(d(0, 2), tf.sub(tf.mul(d(1, 0), d(2, 1)), tf.mul(a11, d(2, 0))));
    return tf.add(tf.sub(t0, t1), t2) as tf.Tensor3D;
  });
}

/**
 * Folding penalty: mean over voxels of max(0, margin − det J). Zero wherever the mapping keeps a
 * determinant of at least `margin`, so it acts only where the field folds or nearly does.
 */
export function foldingPenalty(u: tf.Tensor4D, margin = 0.1): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.relu(tf.sub(margin, jacobianDeterminantOp(u)))) as tf.Scalar);
}
