/**
 * Gradients that tfjs-core 4.22 does not register: Conv3DBackpropInputV2 (conv3dTranspose) and
 * GatherNd. Registered once, before any model is built.
 */
import * as tf from '@tensorflow/tfjs';

let registered = false;

function hasGradient(kernelName: string): boolean {
  return tf.getGradient(kernelName) !== undefined;
}

export function registerMissingGradients(): void {
  if (registered) return;
  registered = true;

  if (!hasGradient('Conv3DBackpropInputV2')) {
    // y = Conv3DBackpropInput(dy, W) is the adjoint of x ↦ conv3d(x, W); for an upstream g:
    //   ∂/∂dy = conv3d(g, W),   ∂/∂W = Conv3DBackpropFilter(x = g, dy = dy).
    tf.registerGradient({
      kernelName: 'Conv3DBackpropInputV2',
      inputsToSave: ['dy', 'filter'],
      gradFunc: (g, saved, attrs) => {
        const [dy, filter] = saved as [tf.Tensor5D, tf.Tensor5D];
        const { strides, pad } = attrs as unknown as { strides: [number, number, number] | number; pad: 'valid' | 'same' };
        const grad = g as tf.Tensor5D;
        return {
          dy: () => tf.conv3d(grad, filter, strides, pad),
          filter: () =>
            tf.engine().runKernel('Conv3DBackpropFilterV2', { x: grad, dy }, {
              strides,
              pad,
              filterShape: filter.shape,
            } as unknown as tf.NamedAttrMap) as tf.Tensor5D,
        };
      },
    });
  }

  if (!hasGradient('GatherNd')) {
    // Each gathered slice flows back to where it came from (duplicates add up).
    tf.registerGradient({
      kernelName: 'GatherNd',
      inputsToSave: ['params', 'indices'],
      gradFunc: (g, saved) => {
        const [params, indices] = saved;
        return {
          params: () => tf.scatterND(indices as tf.Tensor, g as tf.Tensor, params.shape),
          indices: () => tf.zerosLike(indices),
        };
      },
    });
  }
}
