import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initTensorBackend } from '../../core/tensor/backend.js';
import { tidyValues } from '../../core/tensor/values.js';

describe('tidyValues', () => {
  beforeAll(async () => {
    await initTensorBackend();
  });

  it('returns the values of a tensor of over 2^24 entries (a brain-sized field) and leaves no tensor behind', () => {
    const before = tf.memory().numTensors;
    const n = 2 ** 24 + 8;
    // Distinct values: tf.tidy's walk over a returned typed array collects them in a Set.
    const values = tidyValues(() => tf.range(0, n, 1, 'float32'));
    expect(values.length).toBe(n);
    expect(values[0]).toBe(0);
    expect(values[123_456]).toBe(123_456);
    expect(tf.memory().numTensors).toBe(before);
  });
});
