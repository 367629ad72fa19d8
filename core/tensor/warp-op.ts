/**
 * The typed-array trilinear warp as a differentiable tfjs op (tf.customGrad): about 600× faster
 * on the cpu backend than the same warp built from gather ops.
 *
 * warpOp(image [nz, ny, nx], disp [nz, ny, nx, 3] in voxel units (x, y, z)) → [nz, ny, nx]
 * warpChannelsOp(features [nz, ny, nx, C], disp) → [nz, ny, nx, C]
 * Gradients flow to both the image and the displacement. Zero padding outside.
 */
import * as tf from '@tensorflow/tfjs';
import { warpTrilinear, warpTrilinearBackward } from '../kernels/warp.js';
import type { Vec3 } from '../volume/volume.js';

type Custom = Parameters<typeof tf.customGrad>[0];

/** Splits a channel-last array into channel planes and back. */
function planes(data: Float32Array, n: number, C: number): Float32Array[] {
  return Array.from({ length: C }, (_, c) => {
    const p = new Float32Array(n);
    for (let v = 0; v < n; v++) p[v] = data[v * C + c];
    return p;
  });
}

function interleave(ps: Float32Array[], n: number): Float32Array {
  const C = ps.length;
  const out = new Float32Array(n * C);
  for (let c = 0; c < C; c++) for (let v = 0; v < n; v++) out[v * C + c] = ps[c][v];
  return out;
}

export function warpChannelsOp(features: tf.Tensor4D, disp: tf.Tensor4D): tf.Tensor4D {
  const [nz, ny, nx, C] = features.shape;
  const dims: Vec3 = [nx, ny, nz];
  const n = nx * ny * nz;
  const op = tf.customGrad(((img: tf.Tensor, d: tf.Tensor, save: tf.GradSaveFunc) => {
    const ps = planes(img.dataSync() as Float32Array, n, C);
    const dispData = d.dataSync() as Float32Array;
    const out = tf.tensor4d(
      interleave(
        ps.map((p) => warpTrilinear(p, dims, dispData)),
        n,
      ),
      [nz, ny, nx, C],
    );
    save([img, d]);
    return {
      value: out,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [si, sd] = saved;
        const imgPlanes = planes(si.dataSync() as Float32Array, n, C);
        const dyPlanes = planes(dy.dataSync() as Float32Array, n, C);
        const dd = sd.dataSync() as Float32Array;
        const gradDisp = new Float32Array(3 * n);
        const gradImgPlanes = imgPlanes.map((p, c) => {
          const gi = new Float32Array(n);
          const gd = warpTrilinearBackward(p, dims, dd, dyPlanes[c], gi);
          for (let i = 0; i < gd.length; i++) gradDisp[i] += gd[i];
          return gi;
        });
        return [tf.tensor4d(interleave(gradImgPlanes, n), [nz, ny, nx, C]), tf.tensor4d(gradDisp, [nz, ny, nx, 3])];
      },
    };
  }) as unknown as Custom);
  return op(features, disp) as tf.Tensor4D;
}

export function warpOp(image: tf.Tensor3D, disp: tf.Tensor4D): tf.Tensor3D {
  return tf.tidy(() => {
    const [nz, ny, nx] = image.shape;
    return warpChannelsOp(image.reshape([nz, ny, nx, 1]) as tf.Tensor4D, disp).reshape([nz, ny, nx]) as tf.Tensor3D;
  });
}
