/**
 * The values of a tensor computed in a tf.tidy block, as a typed array of their own, with no
 * tensor left behind. The tensor leaves the block, not its values: tf.tidy walks whatever its
 * function returns, and a typed array of over 2^24 values (a brain-sized field) overflows the Set
 * it collects them in ("Set maximum size exceeded").
 */
import * as tf from '@tensorflow/tfjs';

export function tidyValues(fn: () => tf.Tensor): Float32Array {
  const t = tf.tidy(fn);
  try {
    return (t.dataSync() as Float32Array).slice();
  } finally {
    t.dispose();
  }
}
