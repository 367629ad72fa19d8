/**
 * The typed-array trilinear warp as a differentiable tfjs op (tf.customGrad): about 600× faster
 * on the cpu backend than the same warp built from gather ops.
 *
 * warpOp(image [D,H,W] or [nz,ny,nx] float32, disp [nz,ny,nx,3] in voxel units (x,y,z)) → [nz,ny,nx]
 * Gradients flow to both the image and the displacement.
 */
import * as tf from '@tensorflow/tfjs';
import { warpTrilinear, warpTrilinearBackward } from '../kernels/warp.js';
import type { Vec3 } from '../volume/volume.js';

export function warpOp(image: tf.Tensor3D, disp: tf.Tensor4D): tf.Tensor3D {
  const [nz, ny, nx] = image.shape;
  const dims: Vec3 = [nx, ny, nz];
  const op = tf.customGrad(((img: tf.Tensor, d: tf.Tensor, save: tf.GradSaveFunc) => {
    const imgData = img.dataSync() as Float32Array;
    const dispData = d.dataSync() as Float32Array;
    const out = tf.tensor3d(warpTrilinear(imgData, dims, dispData), [nz, ny, nx]);
    save([img, d]);
    return {
      value: out,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [si, sd] = saved;
        const gradImage = new Float32Array(nx * ny * nz);
        const gradDisp = warpTrilinearBackward(
          si.dataSync() as Float32Array,
          dims,
          sd.dataSync() as Float32Array,
          dy.dataSync() as Float32Array,
          gradImage,
        );
        return [tf.tensor3d(gradImage, [nz, ny, nx]), tf.tensor4d(gradDisp, [nz, ny, nx, 3])];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return op(image, disp) as tf.Tensor3D;
}
