/**
 * A small 3D CNN mapping a normalised image to feature channels for the Gauss-Newton engine's
 * learned mode: conv 3³ → ReLU → conv 3³ → ReLU → conv 1³. Its channels are appended to MIND-SSC,
 * so an untrained (near-zero) network starts from the handcrafted engine.
 *
 * Its weights are saved as one float32 little-endian file in manifest order; the model folder
 * around them (model.json, the common model card) is written by core/engines/gn/model.ts.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { tidyValues } from '../tensor/values.js';
import { writeAtomically } from '../util/atomic.js';
import { LabelWarpError } from '../util/errors.js';

export interface FeatureNetConfig {
  hidden: number;
  outChannels: number;
}

/** The weight tensors in file order and the file (relative to the model folder). */
export interface WeightsManifest {
  file: string;
  tensors: { name: string; shape: number[] }[];
}

const NAMES = ['w1', 'b1', 'w2', 'b2', 'w3', 'b3'] as const;

export class FeatureNet {
  readonly variables: Map<string, tf.Variable>;
  constructor(
    readonly config: FeatureNetConfig,
    init?: Map<string, Float32Array>,
    seed = 1,
  ) {
    const { hidden: h, outChannels: k } = config;
    const shapes: Record<string, number[]> = { w1: [3, 3, 3, 1, h], b1: [h], w2: [3, 3, 3, h, h], b2: [h], w3: [1, 1, 1, h, k], b3: [k] };
    this.variables = new Map(
      NAMES.map((name, i) => {
        const shape = shapes[name];
        const value = init?.get(name);
        const t = tf.tidy(() => {
          if (value) return tf.tensor(value, shape);
          if (name.startsWith('b')) return tf.zeros(shape);
          const fanIn = shape.slice(0, 4).reduce((a, b) => a * b, 1);
          const scale = name === 'w3' ? 0.01 : Math.sqrt(2 / fanIn);
          return tf.randomNormal(shape, 0, scale, 'float32', seed + i);
        });
        const v = tf.variable(t, true, `featurenet_${name}_${Math.random().toString(36).slice(2)}`);
        t.dispose();
        return [name, v];
      }),
    );
  }

  get(name: string): tf.Variable {
    return this.variables.get(name)!;
  }

  /** image: [1, nz, ny, nx, 1] → features [1, nz, ny, nx, k]. */
  apply(image: tf.Tensor5D): tf.Tensor5D {
    return tf.tidy(() => {
      let x = tf.relu(tf.add(tf.conv3d(image, this.get('w1') as tf.Tensor5D, 1, 'same'), this.get('b1')));
      x = tf.relu(tf.add(tf.conv3d(x as tf.Tensor5D, this.get('w2') as tf.Tensor5D, 1, 'same'), this.get('b2')));
      return tf.add(tf.conv3d(x as tf.Tensor5D, this.get('w3') as tf.Tensor5D, 1, 'same'), this.get('b3')) as tf.Tensor5D;
    });
  }

  /** Features of a plain image as a channel-fastest typed array (no tensors left behind). */
  computeTyped(data: Float32Array, dims: [number, number, number]): Float32Array {
    const [nx, ny, nz] = dims;
    return tidyValues(() => this.apply(tf.tensor5d(data, [1, nz, ny, nx, 1])));
  }

  /** Writes the weights to DIR/`file` (atomically) and returns their manifest. */
  async saveWeights(dir: string, file = 'weights.bin'): Promise<WeightsManifest> {
    const tensors = NAMES.map((name) => ({ name, shape: this.get(name).shape }));
    const arrays = NAMES.map((name) => this.get(name).dataSync() as Float32Array);
    const total = arrays.reduce((s, a) => s + a.length, 0);
    const buf = Buffer.alloc(total * 4);
    let off = 0;
    for (const a of arrays) {
      for (let i = 0; i < a.length; i++) buf.writeFloatLE(a[i], off + 4 * i);
      off += a.length * 4;
    }
    await fs.mkdir(dir, { recursive: true });
    await writeAtomically(path.join(dir, file), (tmp) => fs.writeFile(tmp, buf));
    return { file, tensors };
  }

  /** A network from its configuration and the weights named by `manifest` in DIR. */
  static async loadWeights(dir: string, config: FeatureNetConfig, manifest: WeightsManifest): Promise<FeatureNet> {
    if (path.isAbsolute(manifest.file) || manifest.file.split(/[\\/]/).includes('..'))
      throw new LabelWarpError('the weight file must be named relative to the model folder', dir);
    let buf: Buffer;
    try {
      buf = await fs.readFile(path.join(dir, manifest.file));
    } catch {
      throw new LabelWarpError(`${manifest.file} is missing`, dir);
    }
    const init = new Map<string, Float32Array>();
    let off = 0;
    for (const w of manifest.tensors) {
      const n = w.shape.reduce((a, b) => a * b, 1);
      if (off + 4 * n > buf.length) throw new LabelWarpError(`${manifest.file} is truncated`, dir);
      const a = new Float32Array(n);
      for (let i = 0; i < n; i++) a[i] = buf.readFloatLE(off + 4 * i);
      init.set(w.name, a);
      off += 4 * n;
    }
    return new FeatureNet(config, init);
  }

  dispose(): void {
    for (const v of this.variables.values()) v.dispose();
  }
}
