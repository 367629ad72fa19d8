/**
 * The matching features of SLIC-Reg: per voxel and layer, the 128 supervoxel probabilities folded
 * into `bins` channels by a fixed random assignment of classes to bins (a seeded permutation per
 * layer, class c → perm(c) mod bins), so that 16 layers give 16 · bins channels (the paper: 16
 * permutations, 256 channels). The scan's features come from the network's softmaxes, computed a
 * few layers at a time; the template's from its one-hot supervoxel labels.
 */
import * as tf from '@tensorflow/tfjs';
import { mulberry32 } from '../../util/random.js';
import type { Weights } from '../student/network.js';
import { groupedLogSoftmax, headInput, headScores, supervoxelTrunk } from './network.js';
import type { SupervoxelArchitecture } from './network.js';
import type { FeatureVolume } from './keypoints.js';

/** Bin of every class of every layer (layers × classes). */
export function classBins(layers: number, classes: number, bins: number, seed: number): Int32Array {
  const rand = mulberry32(seed);
  const out = new Int32Array(layers * classes);
  for (let l = 0; l < layers; l++) {
    const perm = Array.from({ length: classes }, (_, i) => i);
    for (let i = classes - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [perm[i], perm[j]] = [perm[j], perm[i]];
    }
    for (let c = 0; c < classes; c++) out[l * classes + c] = perm[c] % bins;
  }
  return out;
}

/** The 0/1 matrices folding classes into bins, [layers, classes, bins]. */
export function foldingMatrix(binOf: Int32Array, layers: number, classes: number, bins: number): Float32Array {
  const m = new Float32Array(layers * classes * bins);
  for (let l = 0; l < layers; l++) for (let c = 0; c < classes; c++) m[(l * classes + c) * bins + binOf[l * classes + c]] = 1;
  return m;
}

/** One-hot features of label maps (layer-major, labels 0…classes−1): [voxels, layers · bins]. */
export function labelFeatures(
  labels: Uint8Array,
  voxels: number,
  layers: number,
  classes: number,
  binOf: Int32Array,
  bins: number,
): FeatureVolume['data'] {
  const out = new Float32Array(voxels * layers * bins);
  for (let l = 0; l < layers; l++)
    for (let v = 0; v < voxels; v++) out[v * layers * bins + l * bins + binOf[l * classes + labels[l * voxels + v]]] = 1;
  return out;
}

/**
 * The scan's features from the network on tfjs: image [1, nz, ny, nx, 1] → [voxels of the stride-2
 * grid, layers · bins], `chunk` layers of scores at a time (memory: one chunk's scores).
 */
export function predictFeatures(
  image: tf.Tensor5D,
  w: Weights,
  arch: SupervoxelArchitecture,
  folding: Float32Array,
  bins: number,
  chunk = 4,
): Float32Array {
  const G = arch.groups;
  const K = arch.classes;
  const h = tf.tidy(() => headInput(supervoxelTrunk(image, w, arch), w));
  const [, D, H, W] = h.shape;
  const V = D * H * W;
  const out = new Float32Array(V * G * bins);
  try {
    for (let g0 = 0; g0 < G; g0 += chunk) {
      const n = Math.min(chunk, G - g0);
      const part = tf.tidy(() => {
        const p = tf.exp(groupedLogSoftmax(headScores(h, w, g0, n, arch), K)); // [V, n, K]
        const m = tf.tensor3d(folding.subarray(g0 * K * bins, (g0 + n) * K * bins), [n, K, bins]);
        return tf.transpose(tf.matMul(tf.transpose(p, [1, 0, 2]), m), [1, 0, 2]); // [V, n, bins]
      });
      const values = part.dataSync() as Float32Array;
      part.dispose();
      for (let v = 0; v < V; v++) out.set(values.subarray(v * n * bins, (v + 1) * n * bins), v * G * bins + g0 * bins);
    }
  } finally {
    h.dispose();
  }
  return out;
}
