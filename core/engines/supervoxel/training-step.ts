/**
 * One training step of the supervoxel network: cross-entropy of the 16 per-layer softmaxes
 * against the transferred supervoxel maps, averaged over voxels and layers, and an Adam update.
 * The 16 × 128 scores are computed `chunk` layers at a time: the trunk runs once without a tape,
 * each chunk's loss gives the gradients of the head's weights and of the trunk's output, and a
 * second trunk pass back-propagates the summed output gradient (memory: the trunk plus one chunk
 * of scores, not all 2048 channels). With chunk ≥ layers it is one ordinary pass.
 * Also the random affine augmentation applied to an image and its supervoxel maps together.
 */
import * as tf from '@tensorflow/tfjs';
import type { Vec3 } from '../../volume/volume.js';
import { trilinearAt } from '../../kernels/sample.js';
import { gridAffineAt } from '../../learned/augment.js';
import type { ParamSet } from '../student/params.js';
import { headInput, headScores, supervoxelTrunk } from './network.js';
import type { SupervoxelArchitecture } from './network.js';

export interface TrainingSample {
  /** Network-grid image [nz·ny·nx]. */
  image: Float32Array;
  /** Targets on the half grid: layer-major labels, layers × half voxels. */
  targets: Uint8Array;
}

/**
 * Σ cross-entropy / norm of scores [V, n·K] (n softmaxes of K classes) against targets [V·n]
 * (voxel-major), as one custom op: loops over the arrays, the gradient (softmax − one-hot) / norm
 * kept from the forward pass (on tfjs' CPU backend the composed ops cost more than the network).
 */
export function groupedCrossEntropy(scores: tf.Tensor, targets: Int32Array, classes: number, norm: number): tf.Scalar {
  const op = tf.customGrad(((s: tf.Tensor) => {
    const x = s.dataSync() as Float32Array;
    const grad = new Float32Array(x.length);
    let total = 0;
    for (let r = 0; r < targets.length; r++) {
      const b = r * classes;
      let max = -Infinity;
      for (let c = 0; c < classes; c++) max = Math.max(max, x[b + c]);
      let sum = 0;
      for (let c = 0; c < classes; c++) sum += grad[b + c] = Math.exp(x[b + c] - max);
      const t = targets[r];
      total += Math.log(sum) + max - x[b + t];
      for (let c = 0; c < classes; c++) grad[b + c] /= sum * norm;
      grad[b + t] -= 1 / norm;
    }
    return {
      value: tf.scalar(total / norm),
      gradFunc: (dy: tf.Tensor) => [tf.mul(tf.tensor(grad, s.shape), dy)],
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return op(scores) as tf.Scalar;
}

/** Summed cross-entropy of layers g0…g0+n−1 over voxels, divided by `norm`. */
function chunkLoss(
  h: tf.Tensor5D,
  w: ParamSet['get'],
  arch: SupervoxelArchitecture,
  g0: number,
  n: number,
  targets: Int32Array,
  layers: number,
  norm: number,
): tf.Scalar {
  const V = targets.length / layers;
  const t = new Int32Array(V * n);
  for (let v = 0; v < V; v++) for (let g = 0; g < n; g++) t[v * n + g] = targets[v * layers + g0 + g];
  return groupedCrossEntropy(headScores(h, w, g0, n, arch), t, arch.classes, norm);
}

/** Voxel-major targets [V · layers] from layer-major labels. */
function voxelMajor(targets: Uint8Array, layers: number): Int32Array {
  const V = targets.length / layers;
  const out = new Int32Array(targets.length);
  for (let l = 0; l < layers; l++) for (let v = 0; v < V; v++) out[v * layers + l] = targets[l * V + v];
  return out;
}

export function trainingStep(
  net: ParamSet,
  optimizer: tf.Optimizer,
  arch: SupervoxelArchitecture,
  grid: Vec3,
  sample: TrainingSample,
  chunk: number,
): number {
  const [nx, ny, nz] = grid;
  const G = arch.groups;
  const x = tf.tensor5d(sample.image, [1, nz, ny, nx, 1]);
  const targets = voxelMajor(sample.targets, G);
  const norm = targets.length;
  const w = net.get;
  try {
    if (chunk >= G) {
      const loss = optimizer.minimize(
        () => chunkLoss(headInput(supervoxelTrunk(x, w, arch), w), w, arch, 0, G, targets, G, norm),
        true,
        net.list(),
      );
      const value = loss!.dataSync()[0];
      loss!.dispose();
      return value;
    }
    const trunkNames = [...net.variables.keys()].filter((k) => !k.startsWith('head.'));
    const headNames = [...net.variables.keys()].filter((k) => k.startsWith('head.'));
    const trunk = tf.tidy(() => supervoxelTrunk(x, w, arch));
    const features = tf.variable(trunk, true);
    trunk.dispose();
    const grads = new Map<string, tf.Tensor>();
    const add = (name: string, g: tf.Tensor) => {
      const prev = grads.get(name);
      grads.set(name, prev ? tf.add(prev, g) : tf.clone(g));
      prev?.dispose();
    };
    let total = 0;
    try {
      for (let g0 = 0; g0 < G; g0 += chunk) {
        const n = Math.min(chunk, G - g0);
        const { value, grads: g } = tf.variableGrads(
          () => chunkLoss(headInput(features, w), w, arch, g0, n, targets, G, norm),
          [features, ...headNames.map((k) => net.variables.get(k)!)],
        );
        total += value.dataSync()[0];
        value.dispose();
        add('features', g[features.name]);
        for (const k of headNames) if (g[net.variables.get(k)!.name]) add(k, g[net.variables.get(k)!.name]);
        for (const t of Object.values(g)) t.dispose();
      }
      const dFeatures = grads.get('features')!;
      const trunkVars = trunkNames.map((k) => net.variables.get(k)!);
      const { value, grads: g } = tf.variableGrads(() => tf.sum(tf.mul(supervoxelTrunk(x, w, arch), dFeatures)) as tf.Scalar, trunkVars);
      value.dispose();
      for (const k of trunkNames) if (g[net.variables.get(k)!.name]) add(k, g[net.variables.get(k)!.name]);
      for (const t of Object.values(g)) t.dispose();
      const named: tf.NamedTensorMap = {};
      for (const [k, t] of grads) if (k !== 'features') named[net.variables.get(k)!.name] = t;
      optimizer.applyGradients(named);
    } finally {
      features.dispose();
      for (const t of grads.values()) t.dispose();
    }
    return total;
  } finally {
    x.dispose();
  }
}

/**
 * The sample seen through `m` (fine-grid index space; identity when undefined): the image
 * sampled trilinearly at m(x) for every network voxel x, and the fine supervoxel maps sampled
 * (nearest) at m(2h + 0.5) for every half-grid voxel h.
 */
export function augmentSample(image: Float32Array, labels: Uint8Array, layers: number, dims: Vec3, m?: Float64Array): TrainingSample {
  const [nx, ny, nz] = dims;
  const n = nx * ny * nz;
  const map = (x: number, y: number, z: number): Vec3 => (m ? gridAffineAt(m, x, y, z) : [x, y, z]);
  const out = new Float32Array(n);
  for (let k = 0, v = 0; k < nz; k++)
    for (let j = 0; j < ny; j++)
      for (let i = 0; i < nx; i++, v++) {
        const [x, y, z] = map(i, j, k);
        out[v] = trilinearAt(image, nx, ny, nz, x, y, z);
      }
  const [hx, hy, hz] = [nx / 2, ny / 2, nz / 2];
  const hn = hx * hy * hz;
  const targets = new Uint8Array(layers * hn);
  for (let k = 0, v = 0; k < hz; k++)
    for (let j = 0; j < hy; j++)
      for (let i = 0; i < hx; i++, v++) {
        const [x, y, z] = map(2 * i + 0.5, 2 * j + 0.5, 2 * k + 0.5);
        const a = Math.round(x);
        const b = Math.round(y);
        const c = Math.round(z);
        if (a < 0 || b < 0 || c < 0 || a >= nx || b >= ny || c >= nz) continue;
        const src = a + nx * (b + ny * c);
        for (let l = 0; l < layers; l++) targets[l * hn + v] = labels[l * n + src];
      }
  return { image: out, targets };
}
