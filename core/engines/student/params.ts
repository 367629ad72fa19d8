/**
 * The named weights of a layer list (network.ts) as tfjs variables, initialised (He normal, a
 * small output layer) or read from the model folder's float32 little-endian file, in layer order.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { writeAtomically } from '../../util/atomic.js';
import { LabelWarpError } from '../../util/errors.js';
import { weightShape } from './network.js';
import type { LayerSpec, Weights } from './network.js';

export interface WeightsManifest {
  /** File relative to the model folder. */
  file: string;
  tensors: { name: string; shape: number[] }[];
}

export class ParamSet {
  readonly variables = new Map<string, tf.Variable>();

  /** `init` gives stored values by name; `outputScale` the initial spread of the last layer. */
  constructor(
    readonly layers: LayerSpec[],
    init?: Map<string, Float32Array>,
    seed = 1,
    outputScale = 1e-3,
  ) {
    layers.forEach((l, i) => {
      const shape = weightShape(l);
      const fanIn = l.kernel ** 3 * l.inChannels;
      const last = i === layers.length - 1;
      for (const [key, s] of [
        ['w', shape],
        ['b', [l.outChannels]],
      ] as const) {
        const name = `${l.name}.${key}`;
        const stored = init?.get(name);
        const t = tf.tidy(() => {
          if (stored) return tf.tensor(stored, [...s]);
          if (key === 'b') return tf.zeros([...s]);
          return tf.randomNormal([...s], 0, last ? outputScale : Math.sqrt(2 / fanIn), 'float32', seed * 1000 + i);
        });
        this.variables.set(name, tf.variable(t, true, `${name}_${Math.random().toString(36).slice(2)}`));
        t.dispose();
      }
    });
  }

  readonly get: Weights = (name) => {
    const v = this.variables.get(name);
    if (!v) throw new Error(`no weight ${name}`);
    return v;
  };

  list(): tf.Variable[] {
    return [...this.variables.values()];
  }

  count(): number {
    return this.list().reduce((s, v) => s + v.size, 0);
  }

  /** All weights as name → values (copies). */
  values(): Map<string, Float32Array> {
    return new Map([...this.variables].map(([k, v]) => [k, (v.dataSync() as Float32Array).slice()]));
  }

  async save(dir: string, file: string): Promise<WeightsManifest> {
    const names = [...this.variables.keys()];
    const arrays = names.map((n) => this.variables.get(n)!.dataSync() as Float32Array);
    const buf = Buffer.alloc(arrays.reduce((s, a) => s + a.length, 0) * 4);
    let off = 0;
    for (const a of arrays) {
      Buffer.from(a.buffer, a.byteOffset, a.byteLength).copy(buf, off);
      off += a.byteLength;
    }
    await fs.mkdir(dir, { recursive: true });
    await writeAtomically(path.join(dir, file), (tmp) => fs.writeFile(tmp, buf));
    return { file, tensors: names.map((name) => ({ name, shape: this.variables.get(name)!.shape })) };
  }

  static async load(dir: string, layers: LayerSpec[], manifest: WeightsManifest): Promise<ParamSet> {
    if (path.isAbsolute(manifest.file) || manifest.file.split(/[\\/]/).includes('..'))
      throw new LabelWarpError('the weight file must be named relative to the model folder', dir);
    const buf = await fs.readFile(path.join(dir, manifest.file)).catch(() => {
      throw new LabelWarpError(`${manifest.file} is missing`, dir);
    });
    const init = new Map<string, Float32Array>();
    let off = 0;
    for (const t of manifest.tensors) {
      const n = t.shape.reduce((a, b) => a * b, 1);
      if (off + 4 * n > buf.length) throw new LabelWarpError(`${manifest.file} is truncated`, dir);
      const a = new Float32Array(n);
      for (let i = 0; i < n; i++) a[i] = buf.readFloatLE(off + 4 * i);
      init.set(t.name, a);
      off += 4 * n;
    }
    for (const l of layers)
      for (const k of ['w', 'b']) if (!init.has(`${l.name}.${k}`)) throw new LabelWarpError(`${manifest.file} lacks ${l.name}.${k}`, dir);
    return new ParamSet(layers, init);
  }

  dispose(): void {
    for (const v of this.variables.values()) v.dispose();
  }
}
