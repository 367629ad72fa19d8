/**
 * Where the supervoxel network runs, chosen as for the student (core/engines/student/runtime.ts,
 * whose onnxruntime loader and CUDA check it uses): ONNX Runtime when onnxruntime-node loads
 * (CUDA first where its provider is installed), else tfjs, or what was asked for. Both take the
 * image on the network grid and return the matching features on the half grid.
 */
import * as tf from '@tensorflow/tfjs';
import type { Vec3 } from '../../volume/volume.js';
import { initTensorBackend } from '../../tensor/backend.js';
import { cudaProviderInstalled, loadOnnxRuntime } from '../student/runtime.js';
import type { RuntimeChoice } from '../student/runtime.js';
import type { ParamSet } from '../student/params.js';
import type { SupervoxelArchitecture } from './network.js';
import { predictFeatures } from './features.js';

export interface FeatureRuntime {
  readonly name: string;
  readonly device: string;
  /** image [nz·ny·nx] (network grid) → features [voxels of the half grid · layers · bins]. */
  run(image: Float32Array): Promise<Float32Array>;
  dispose(): void;
}

export async function onnxFeatureRuntime(model: Uint8Array, grid: Vec3): Promise<FeatureRuntime> {
  const { ort, error } = loadOnnxRuntime();
  if (!ort) throw new Error(`onnxruntime-node is not available: ${error}`);
  let session: import('onnxruntime-node').InferenceSession | undefined;
  let device = 'cpu';
  if (cudaProviderInstalled()) {
    try {
      session = await ort.InferenceSession.create(model, { executionProviders: ['cuda'] });
      device = 'cuda';
    } catch {
      // no usable GPU: CPU below
    }
  }
  session ??= await ort.InferenceSession.create(model, { executionProviders: ['cpu'] });
  const s = session;
  const [nx, ny, nz] = grid;
  return {
    name: 'onnxruntime',
    device,
    async run(image) {
      const out = await s.run({ image: new ort.Tensor('float32', image, [1, nz, ny, nx, 1]) });
      return Float32Array.from(out.features.data as Float32Array);
    },
    dispose() {
      void s.release();
    },
  };
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

/** The runtime asked for; 'auto' tries onnxruntime and falls back to tfjs (saying why in `fallback`). */
export async function createFeatureRuntime(
  choice: RuntimeChoice,
  model: () => Promise<Uint8Array>,
  tfjs: () => Promise<FeatureRuntime>,
  grid: Vec3,
): Promise<{ runtime: FeatureRuntime; fallback?: string }> {
  if (choice === 'tfjs') return { runtime: await tfjs() };
  try {
    return { runtime: await onnxFeatureRuntime(await model(), grid) };
  } catch (err) {
    if (choice === 'onnxruntime') throw err;
    const why = err instanceof Error ? err.message.split('\n')[0] : String(err);
    return { runtime: await tfjs(), fallback: `onnxruntime unavailable (${why}): the supervoxel network ran on tfjs` };
  }
}
