/**
 * Adam for tfjs variables, stepping on typed arrays (core/registration/adam.ts) instead of tfjs
 * kernels: tfjs' pure-JavaScript backend spends about ten full passes of kernel calls per step on
 * its own Adam, a third of a student training step. Same update as tf.train.adam (ε = 1e-7); the
 * moments and a float64 copy of each variable live here, and the variable is assigned the result.
 */
import * as tf from '@tensorflow/tfjs';
import { Adam } from '../registration/adam.js';

/** What a training loop needs of an optimiser (tf.train.adam satisfies it too). */
export interface GradientApplier {
  applyGradients(grads: tf.NamedTensorMap): void;
  dispose(): void;
}

export class VariableAdam implements GradientApplier {
  private readonly state = new Map<string, { adam: Adam; values: Float64Array }>();

  constructor(
    /** The step of the next update (a schedule may change it between updates). */
    public learningRate: number,
    private readonly beta1 = 0.9,
    private readonly beta2 = 0.999,
    private readonly epsilon = 1e-7,
  ) {}

  applyGradients(grads: tf.NamedTensorMap): void {
    for (const [name, grad] of Object.entries(grads)) {
      const variable = tf.engine().registeredVariables[name];
      if (!variable) throw new Error(`no variable named ${name}`);
      let s = this.state.get(name);
      if (!s) {
        s = { adam: new Adam(variable.size, this.beta1, this.beta2, this.epsilon), values: Float64Array.from(variable.dataSync()) };
        this.state.set(name, s);
      }
      s.adam.step(s.values, grad.dataSync(), this.learningRate);
      const values = s.values;
      tf.tidy(() => variable.assign(tf.tensor(Float32Array.from(values), variable.shape)));
    }
  }

  dispose(): void {
    this.state.clear();
  }
}
