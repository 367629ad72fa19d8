/**
 * The student's training losses, all differentiable tfjs functions of [1, nz, ny, nx, C] tensors
 * (displacements in voxels of the network grid, channels x, y, z):
 * - reconstruction: 1 − correlation coefficient of the warped template and the scan;
 * - discrimination (LDR-ALDK): (D(φs) − D(φt))² for the student, and the gradient penalty
 *   λ(‖∇D(φ̂)‖ − 1)² at φ̂ = βφt + (1 − β)φs;
 * - distillation: mean squared difference to the teacher's field;
 * - folding: mean of max(0, τ − det J) (central differences inside the grid);
 * - smoothness: mean squared forward differences;
 * - inverse consistency (ICON): u + v∘(id + u) ≈ 0 for forward u and backward v;
 * - labels: 1 − soft Dice of the template labels warped by the field against the scan's labels;
 * - LT-Net cycle: image-cycle L1, a robust (Charbonnier) transformation cycle and a soft Dice
 *   between the template labels and their forward-backward warp.
 */
import * as tf from '@tensorflow/tfjs';
import { warpChannelsOp } from '../../tensor/warp-op.js';

type T5 = tf.Tensor5D;

/** image [1, nz, ny, nx, C] warped by disp [1, nz, ny, nx, 3]: out(x) = image(x + disp(x)). */
export function warp5(image: T5, disp: T5): T5 {
  return tf.tidy(() => {
    const [, nz, ny, nx, C] = image.shape;
    const out = warpChannelsOp(tf.reshape(image, [nz, ny, nx, C]), tf.reshape(disp, [nz, ny, nx, 3]));
    return tf.reshape(out, [1, nz, ny, nx, C]) as T5;
  });
}

export function correlationLoss(a: tf.Tensor, b: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const da = tf.sub(a, tf.mean(a));
    const db = tf.sub(b, tf.mean(b));
    const cc = tf.div(tf.sum(tf.mul(da, db)), tf.sqrt(tf.add(tf.mul(tf.sum(tf.square(da)), tf.sum(tf.square(db))), 1e-8)));
    return tf.sub(1, cc) as tf.Scalar;
  });
}

export function reconstructionLoss(template: T5, scan: T5, disp: T5): tf.Scalar {
  return tf.tidy(() => correlationLoss(warp5(template, disp), scan));
}

export type Critic = (field: T5) => tf.Tensor1D;

/** The student's discrimination term: (D(φs) − D(φt))². */
export function discriminationLoss(D: Critic, student: T5, teacher: T5): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.square(tf.sub(D(student), D(teacher)))) as tf.Scalar);
}

/** λ(‖∇D(φ̂)‖₂ − 1)² at φ̂ = βφt + (1 − β)φs (differentiable in D's weights: double backprop). */
export function gradientPenalty(D: Critic, student: T5, teacher: T5, beta: number, lambda: number): tf.Scalar {
  return tf.tidy(() => {
    const mix = tf.add(tf.mul(teacher, beta), tf.mul(student, 1 - beta)) as T5;
    const g = tf.grad((x: tf.Tensor) => tf.sum(D(x as T5)))(mix);
    const norm = tf.sqrt(tf.add(tf.sum(tf.square(g)), 1e-12));
    return tf.mul(tf.square(tf.sub(norm, 1)), lambda) as tf.Scalar;
  });
}

/**
 * The discriminator's loss: it separates student from teacher fields, under the gradient penalty.
 * `onPenalty` receives the penalty (for the training log; the caller disposes of it).
 */
export function criticLoss(
  D: Critic,
  student: T5,
  teacher: T5,
  beta: number,
  lambda: number,
  onPenalty?: (penalty: tf.Scalar) => void,
): tf.Scalar {
  return tf.tidy(() => {
    const penalty = gradientPenalty(D, student, teacher, beta, lambda);
    onPenalty?.(tf.keep(penalty));
    return tf.sub(penalty, discriminationLoss(D, student, teacher)) as tf.Scalar;
  });
}

export function teacherLoss(student: T5, teacher: T5): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.square(tf.sub(student, teacher))) as tf.Scalar);
}

/** Central differences of disp along one spatial axis (1: z, 2: y, 3: x), on the interior. */
function centralDiff(d: T5, axis: 1 | 2 | 3): T5 {
  const [, nz, ny, nx] = d.shape;
  const size = [1, nz - 2, ny - 2, nx - 2, 3];
  const at = (offset: number) => {
    const begin = [0, 1, 1, 1, 0];
    begin[axis] += offset;
    return tf.slice(d, begin, size);
  };
  return tf.mul(tf.sub(at(1), at(-1)), 0.5) as T5;
}

/** det(I + ∇u) on the interior, u in voxels (x, y, z channels); [1, nz−2, ny−2, nx−2]. */
export function jacobianDeterminant5(disp: T5): tf.Tensor4D {
  return tf.tidy(() => {
    // ∂u/∂x, ∂u/∂y, ∂u/∂z: columns of the Jacobian (rows are the components x, y, z).
    const cols = [centralDiff(disp, 3), centralDiff(disp, 2), centralDiff(disp, 1)];
    const J = (r: number, c: number) => {
      const v = tf.squeeze(tf.slice(cols[c], [0, 0, 0, 0, r], [...cols[c].shape.slice(0, 4), 1]), [4]);
      return r === c ? tf.add(v, 1) : v;
    };
    const a = J(0, 0);
    const b = J(0, 1);
    const c = J(0, 2);
    const d = J(1, 0);
    const e = J(1, 1);
    const f = J(1, 2);
    const g = J(2, 0);
    const h = J(2, 1);
    const i = J(2, 2);
    const m = (x: tf.Tensor, y: tf.Tensor) => tf.mul(x, y);
    return tf.add(tf.sub(m(a, tf.sub(m(e, i), m(f, h))), m(b, tf.sub(m(d, i), m(f, g)))), m(c, tf.sub(m(d, h), m(e, g)))) as tf.Tensor4D;
  });
}

/** Mean of max(0, τ − det J): zero for fields that keep every Jacobian above τ. */
export function foldingLoss(disp: T5, tau: number): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.relu(tf.sub(tau, jacobianDeterminant5(disp)))) as tf.Scalar);
}

export function smoothnessLoss(disp: T5): tf.Scalar {
  return tf.tidy(() => {
    const [, nz, ny, nx] = disp.shape;
    const fwd = (axis: 1 | 2 | 3) => {
      const size = [1, nz, ny, nx, 3];
      size[axis] -= 1;
      const begin = [0, 0, 0, 0, 0];
      const next = [0, 0, 0, 0, 0];
      next[axis] = 1;
      return tf.mean(tf.square(tf.sub(tf.slice(disp, next, size), tf.slice(disp, begin, size))));
    };
    return tf.addN([fwd(1), fwd(2), fwd(3)]) as tf.Scalar;
  });
}

/** ‖u + v∘(id + u)‖²: forward u (scan → template) then backward v lands where it started. */
export function inverseConsistencyLoss(forward: T5, backward: T5): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.square(tf.add(forward, warp5(backward, forward)))) as tf.Scalar);
}

/** Charbonnier: a robust (L1-like) penalty on the cycle displacement u + v∘(id + u). */
export function transformationCycleLoss(forward: T5, backward: T5, eps = 1e-3): tf.Scalar {
  return tf.tidy(() => {
    const r = tf.add(forward, warp5(backward, forward));
    return tf.mean(tf.sqrt(tf.add(tf.sum(tf.square(r), 4), eps * eps))) as tf.Scalar;
  });
}

/** 1 − soft Dice between label channels (one-hot, background excluded by the caller). */
export function softDiceLoss(a: T5, b: T5): tf.Scalar {
  return tf.tidy(() => {
    const inter = tf.sum(tf.mul(a, b), [0, 1, 2, 3]);
    const sizes = tf.add(tf.sum(a, [0, 1, 2, 3]), tf.sum(b, [0, 1, 2, 3]));
    return tf.sub(1, tf.mean(tf.div(tf.mul(inter, 2), tf.add(sizes, 1e-6)))) as tf.Scalar;
  });
}

/** The label term: 1 − soft Dice of the template's one-hot labels warped by disp against the scan's. */
export function labelLoss(templateLabels: T5, scanLabels: T5, disp: T5): tf.Scalar {
  return tf.tidy(() => softDiceLoss(warp5(templateLabels, disp), scanLabels));
}

export interface CycleTerms {
  image: tf.Scalar;
  transformation: tf.Scalar;
  anatomy: tf.Scalar;
}

/**
 * LT-Net cycle terms. Forward u warps the template onto the scan (template(x + u(x))); backward v,
 * from a second network fed (scan, warped template), warps that back. image: L1 between the
 * template and its forward-backward warp; transformation: Charbonnier on the composed field
 * v + u∘(id + v) (template → scan → template); anatomy: soft Dice of the template labels after
 * the round trip.
 */
export function cycleTerms(template: T5, templateLabels: T5, forward: T5, backward: T5): CycleTerms {
  // template(x + u(x)) on the scan grid; back on the template grid: w(y) = warped(y + v(y)).
  const image = tf.tidy(() => tf.mean(tf.abs(tf.sub(warp5(warp5(template, forward), backward), template))) as tf.Scalar);
  const transformation = transformationCycleLoss(backward, forward);
  const anatomy = tf.tidy(() => softDiceLoss(warp5(warp5(templateLabels, forward), backward), templateLabels));
  return { image, transformation, anatomy };
}
