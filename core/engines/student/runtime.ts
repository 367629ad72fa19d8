/**
 * The student's forward pass on the CNN runtimes (core/engines/cnn-runtime.ts): ONNX Runtime
 * where it loads, tfjs as the fallback or when asked for. Both take and return the same
 * [1, nz, ny, nx, C] arrays: input [1, nz, ny, nx, 2] interleaved (template, scan) → field
 * [1, nz, ny, nx, 3].
 */
import * as tf from '@tensorflow/tfjs';
import { tidyValues } from '../../tensor/values.js';
import type { Vec3 } from '../../volume/volume.js';
import { initTensorBackend } from '../../tensor/backend.js';
import { chooseRuntime, onnxNetworkRuntime } from '../cnn-runtime.js';
import type { NetworkRuntime, RuntimeChoice } from '../cnn-runtime.js';
import { studentForward } from './network.js';
import type { StudentArchitecture } from './network.js';
import type { ParamSet } from './params.js';

export type StudentRuntime = NetworkRuntime;

/**
 * `model`: the ONNX bytes, or a function reading them (called only when the session is not
 * cached). With `cacheKey` the session is shared and outlives `dispose()`.
 */
export async function onnxRuntime(model: Uint8Array | (() => Promise<Uint8Array>), grid: Vec3, cacheKey?: string): Promise<StudentRuntime> {
  const [nx, ny, nz] = grid;
  return onnxNetworkRuntime(model, { input: 'input', shape: [1, nz, ny, nx, 2], output: 'field' }, cacheKey);
}

export async function tfjsRuntime(params: ParamSet, arch: StudentArchitecture, grid: Vec3): Promise<StudentRuntime> {
  const backend = await initTensorBackend();
  const [nx, ny, nz] = grid;
  return {
    name: 'tfjs',
    device: backend.description,
    async run(input) {
      return tidyValues(() => studentForward(tf.tensor5d(input, [1, nz, ny, nx, 2]), params.get, arch));
    },
    dispose() {},
  };
}

/**
 * The runtime asked for; 'auto' tries onnxruntime and falls back to tfjs (saying why in
 * `fallback`). `params`: the weights, or a function loading them (called only when tfjs runs;
 * the caller disposes what it returned). `cacheKey`: see onnxRuntime.
 */
export async function createRuntime(
  choice: RuntimeChoice,
  model: () => Promise<Uint8Array>,
  params: ParamSet | (() => Promise<ParamSet>),
  arch: StudentArchitecture,
  grid: Vec3,
  cacheKey?: string,
): Promise<{ runtime: StudentRuntime; fallback?: string }> {
  return chooseRuntime(
    choice,
    () => onnxRuntime(model, grid, cacheKey),
    async () => tfjsRuntime(typeof params === 'function' ? await params() : params, arch, grid),
    'the student',
  );
}
