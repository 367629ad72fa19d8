/**
 * Where the student's forward pass runs: ONNX Runtime (onnxruntime-node) when it loads, with the
 * CUDA execution provider when it is installed (`npm install --onnxruntime-node-install=cuda12`
 * on a GPU workstation) and the CPU provider otherwise; tfjs (the selected tensor backend) as the
 * fallback, or when asked for. Both take and return the same [1, nz, ny, nx, C] arrays.
 */
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { Vec3 } from '../../volume/volume.js';
import { initTensorBackend } from '../../tensor/backend.js';
import { studentForward } from './network.js';
import type { StudentArchitecture } from './network.js';
import type { ParamSet } from './params.js';

export type RuntimeChoice = 'auto' | 'onnxruntime' | 'tfjs';

export interface StudentRuntime {
  /** 'onnxruntime' or 'tfjs'. */
  readonly name: string;
  /** What ran it, e.g. 'cpu' or 'cuda' (onnxruntime), or the tfjs backend's description. */
  readonly device: string;
  /** input: [1, nz, ny, nx, 2] interleaved (template, scan) → field [1, nz, ny, nx, 3]. */
  run(input: Float32Array): Promise<Float32Array>;
  dispose(): void;
}

type Ort = typeof import('onnxruntime-node');

const require = createRequire(import.meta.url);

/** onnxruntime-node, or why it is unavailable. */
export function loadOnnxRuntime(): { ort?: Ort; error?: string } {
  try {
    return { ort: require('onnxruntime-node') as Ort };
  } catch (err) {
    return { error: err instanceof Error ? err.message.split('\n')[0] : String(err) };
  }
}

/** A one-line summary for `labelwarp backend`. */
export function onnxRuntimeDescription(): string {
  const { ort, error } = loadOnnxRuntime();
  if (!ort) return `onnxruntime-node not available (${error}); the student runs on tfjs`;
  const version = (require('onnxruntime-node/package.json') as { version: string }).version;
  return `onnxruntime-node ${version}: ${cudaProviderInstalled() ? 'CUDA execution provider installed (used first), CPU' : 'CPU execution provider (CUDA: npm install --onnxruntime-node-install=cuda12)'}`;
}

/** Whether the CUDA execution provider's library sits beside onnxruntime-node's binding. */
export function cudaProviderInstalled(): boolean {
  try {
    const root = path.dirname(require.resolve('onnxruntime-node/package.json'));
    const dir = path.join(root, 'bin', 'napi-v6', process.platform, process.arch);
    return existsSync(path.join(dir, process.platform === 'win32' ? 'onnxruntime_providers_cuda.dll' : 'libonnxruntime_providers_cuda.so'));
  } catch {
    return false;
  }
}

async function onnxSession(ort: Ort, model: Uint8Array): Promise<{ session: import('onnxruntime-node').InferenceSession; device: string }> {
  // CUDA first where its provider library was installed (it is not part of the npm package).
  if (cudaProviderInstalled()) {
    try {
      return { session: await ort.InferenceSession.create(model, { executionProviders: ['cuda'] }), device: 'cuda' };
    } catch {
      // not installed (or no GPU): CPU below
    }
  }
  return { session: await ort.InferenceSession.create(model, { executionProviders: ['cpu'] }), device: 'cpu' };
}

export async function onnxRuntime(model: Uint8Array, grid: Vec3): Promise<StudentRuntime> {
  const { ort, error } = loadOnnxRuntime();
  if (!ort) throw new Error(`onnxruntime-node is not available: ${error}`);
  const { session, device } = await onnxSession(ort, model);
  const [nx, ny, nz] = grid;
  return {
    name: 'onnxruntime',
    device,
    async run(input) {
      const feeds = { input: new ort.Tensor('float32', input, [1, nz, ny, nx, 2]) };
      const out = await session.run(feeds);
      return Float32Array.from(out.field.data as Float32Array);
    },
    dispose() {
      void session.release();
    },
  };
}

export async function tfjsRuntime(params: ParamSet, arch: StudentArchitecture, grid: Vec3): Promise<StudentRuntime> {
  const backend = await initTensorBackend();
  const [nx, ny, nz] = grid;
  return {
    name: 'tfjs',
    device: backend.description,
    async run(input) {
      return tf.tidy(() => studentForward(tf.tensor5d(input, [1, nz, ny, nx, 2]), params.get, arch).dataSync() as Float32Array).slice();
    },
    dispose() {},
  };
}

/** The runtime asked for; 'auto' tries onnxruntime and falls back to tfjs (saying why in `fallback`). */
export async function createRuntime(
  choice: RuntimeChoice,
  model: () => Promise<Uint8Array>,
  params: ParamSet,
  arch: StudentArchitecture,
  grid: Vec3,
): Promise<{ runtime: StudentRuntime; fallback?: string }> {
  if (choice === 'tfjs') return { runtime: await tfjsRuntime(params, arch, grid) };
  try {
    return { runtime: await onnxRuntime(await model(), grid) };
  } catch (err) {
    if (choice === 'onnxruntime') throw err;
    const why = err instanceof Error ? err.message.split('\n')[0] : String(err);
    return { runtime: await tfjsRuntime(params, arch, grid), fallback: `onnxruntime unavailable (${why}): the student ran on tfjs` };
  }
}
