import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initTensorBackend } from '../../core/tensor/backend.js';
import { VariableAdam } from '../../core/tensor/variable-adam.js';

describe('VariableAdam', () => {
  beforeAll(async () => {
    await initTensorBackend();
  });

  it('takes the steps of tf.train.adam on a least-squares problem, and leaves no tensors behind', () => {
    const target = tf.tensor2d([
      [1, -2, 3],
      [0.5, 4, -1],
    ]);
    const start = [
      [0.1, 0.2, 0.3],
      [-0.1, 0.5, 0.2],
    ];
    const a = tf.variable(tf.tensor2d(start), true, 'adam-ref');
    const b = tf.variable(tf.tensor2d(start), true, 'adam-typed');
    const ref = tf.train.adam(0.05);
    const typed = new VariableAdam(0.05);
    const loss = (v: tf.Variable) => () => tf.sum(tf.square(tf.sub(tf.mul(v, v), target))) as tf.Scalar;
    const step = () => {
      // (tfjs types its argument as variables; it reads them as gradients)
      tf.tidy(() => ref.applyGradients(tf.variableGrads(loss(a), [a]).grads as Parameters<typeof ref.applyGradients>[0]));
      tf.tidy(() => typed.applyGradients(tf.variableGrads(loss(b), [b]).grads));
    };
    step();
    const count = tf.memory().numTensors;
    for (let i = 0; i < 30; i++) step();
    expect(tf.memory().numTensors).toBe(count);
    const x = a.dataSync();
    const y = b.dataSync();
    for (let i = 0; i < x.length; i++) expect(y[i]).toBeCloseTo(x[i], 4);
    // and it moved: the first entry heads for ±1
    expect(Math.abs(y[0])).toBeGreaterThan(0.5);
    ref.dispose();
    typed.dispose();
    a.dispose();
    b.dispose();
    target.dispose();
  });
});
