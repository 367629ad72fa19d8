/**
 * Where the student's forward pass runs: ONNX Runtime (onnxruntime-node) when it loads, with the
 * CUDA execution provider when it is installed (`npm install --onnxruntime-node-install=cuda12`
 * on a GPU workstation) and the CPU provider otherwise; tfjs (the selected tensor backend) as the
 * fallback, or when asked for. Both take and return the same [1, nz, ny, nx, C] arrays.
 * Sessions created with a `cacheKey` (the model file and its version) are kept for the process
 * and shared: a cohort pays the session creation once, not once per scan.
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

type Session = Awaited<ReturnType<typeof onnxSession>>;
const sessions = new Map<string, Promise<Session>>();

/** The session of `cacheKey`, created once (a failed creation is forgotten, to be tried again). */
function cachedSession(ort: Ort, model: () => Promise<Uint8Array>, cacheKey: string): Promise<Session> {
  let s = sessions.get(cacheKey);
  if (!s) {
    s = model().then((bytes) => onnxSession(ort, bytes));
    sessions.set(cacheKey, s);
    s.catch(() => sessions.delete(cacheKey));
  }
  return s;
}

/**
 * `model`: the ONNX bytes, or a function reading them (called only when the session is not
 * cached). With `cacheKey` the session is shared and outlives `dispose()`.
 */
export async function onnxRuntime(model: Uint8Array | (() => Promise<Uint8Array>), grid: Vec3, cacheKey?: string): Promise<StudentRuntime> {
  const { ort, error } = loadOnnxRuntime();
  if (!ort) throw new Error(`onnxruntime-node is not available: ${error}`);
  const bytes = typeof model === 'function' ? model : async () => model;
  const { session, device } = cacheKey ? await cachedSession(ort, bytes, cacheKey) : await onnxSession(ort, await bytes());
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
      if (!cacheKey) void session.release();
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
  const weights = async () => (typeof params === 'function' ? await params() : params);
  if (choice === 'tfjs') return { runtime: await tfjsRuntime(await weights(), arch, grid) };
  try {
    return { runtime: await onnxRuntime(model, grid, cacheKey) };
  } catch (err) {
    if (choice === 'onnxruntime') throw err;
    const why = err instanceof Error ? err.message.split('\n')[0] : String(err);
    return {
      runtime: await tfjsRuntime(await weights(), arch, grid),
      fallback: `onnxruntime unavailable (${why}): the student ran on tfjs`,
    };
  }
}
