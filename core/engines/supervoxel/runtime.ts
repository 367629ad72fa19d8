/**
 * The supervoxel network on the CNN runtimes (core/engines/cnn-runtime.ts), chosen as for the
 * student: ONNX Runtime where it loads, tfjs as the fallback or when asked for. Both take the
 * image on the network grid and return the matching features on the half grid.
 */
import * as tf from '@tensorflow/tfjs';
import type { Vec3 } from '../../volume/volume.js';
import { initTensorBackend } from '../../tensor/backend.js';
import { chooseRuntime, onnxNetworkRuntime } from '../cnn-runtime.js';
import type { NetworkRuntime, RuntimeChoice } from '../cnn-runtime.js';
import type { ParamSet } from '../student/params.js';
import type { SupervoxelArchitecture } from './network.js';
import { predictFeatures } from './features.js';

/** image [nz·ny·nx] (network grid) → features [voxels of the half grid · layers · bins]. */
export type FeatureRuntime = NetworkRuntime;

/** `model` and `cacheKey` as for the student's onnxRuntime. */
export async function onnxFeatureRuntime(
  model: Uint8Array | (() => Promise<Uint8Array>),
  grid: Vec3,
  cacheKey?: string,
): Promise<FeatureRuntime> {
  const [nx, ny, nz] = grid;
  return onnxNetworkRuntime(model, { input: 'image', shape: [1, nz, ny, nx, 1], output: 'features' }, cacheKey);
}

export async function tfjsFeatureRuntime(
  params: ParamSet,
  arch: SupervoxelArchitecture,
  grid: Vec3,
  folding: Float32Array,
  bins: number,
  chunk = 4,
): Promise<FeatureRuntime> {
  const backend = await initTensorBackend();
  const [nx, ny, nz] = grid;
  return {
    name: 'tfjs',
    device: backend.description,
    async run(image) {
      const x = tf.tensor5d(image, [1, nz, ny, nx, 1]);
      try {
        return predictFeatures(x, params.get, arch, folding, bins, chunk);
      } finally {
        x.dispose();
      }
    },
    dispose() {},
  };
}

/**
 * The runtime asked for; 'auto' tries onnxruntime and falls back to tfjs (saying why in
 * `fallback`). With `cacheKey` the ONNX session is shared by the process (see cnn-runtime.ts).
 */
export async function createFeatureRuntime(
  choice: RuntimeChoice,
  model: () => Promise<Uint8Array>,
  tfjs: () => Promise<FeatureRuntime>,
  grid: Vec3,
  cacheKey?: string,
): Promise<{ runtime: FeatureRuntime; fallback?: string }> {
  return chooseRuntime(choice, () => onnxFeatureRuntime(model, grid, cacheKey), tfjs, 'the supervoxel network');
}
