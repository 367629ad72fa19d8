/**
 * Where a CNN engine's forward pass runs (the student, the supervoxel network): ONNX Runtime
 * (onnxruntime-node) when it loads, with the CUDA execution provider when it is installed
 * (`npm install --onnxruntime-node-install=cuda12` on a GPU workstation) and the CPU provider
 * otherwise; tfjs (the selected tensor backend) as the fallback, or when asked for (the engines'
 * `runtime` option). Sessions created with a `cacheKey` (the model file and its version) are kept
 * for the process and shared: a cohort pays the session creation once, not once per scan.
 */
import { createRequire } from 'node:module';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { LabelWarpError } from '../util/errors.js';
import { option } from './options.js';

export type RuntimeChoice = 'auto' | 'onnxruntime' | 'tfjs';

/** The engines' `runtime` option. */
export const RUNTIME_OPTION = option.string({
  description: 'where the network runs: auto (onnxruntime, else tfjs), onnxruntime or tfjs',
  default: 'auto',
});

/** The `runtime` option's value of `engine`, checked. */
export function runtimeChoice(engine: string, value: string): RuntimeChoice {
  if (!['auto', 'onnxruntime', 'tfjs'].includes(value))
    throw new LabelWarpError(`engine "${engine}" option "runtime": "${value}" is not auto, onnxruntime or tfjs`);
  return value as RuntimeChoice;
}

export interface NetworkRuntime {
  /** 'onnxruntime' or 'tfjs'. */
  readonly name: string;
  /** What ran it, e.g. 'cpu' or 'cuda' (onnxruntime), or the tfjs backend's description. */
  readonly device: string;
  /** The network's input → its output (the engine's runtime says which arrays). */
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

/** A cache key for the ONNX file `file` as it is now (its path, modification time and size). */
export async function modelFileKey(file: string): Promise<string> {
  const version = await fs.stat(file).then(
    (s) => `${s.mtimeMs}:${s.size}`,
    () => 'missing',
  );
  return `${file}@${version}`;
}

/** The names of a network's ONNX input and output, and the input's shape. */
export interface OnnxSignature {
  input: string;
  shape: number[];
  output: string;
}

/**
 * An ONNX Runtime session of `model`: the ONNX bytes, or a function reading them (called only
 * when the session is not cached). With `cacheKey` the session is shared and outlives `dispose()`.
 */
export async function onnxNetworkRuntime(
  model: Uint8Array | (() => Promise<Uint8Array>),
  signature: OnnxSignature,
  cacheKey?: string,
): Promise<NetworkRuntime> {
  const { ort, error } = loadOnnxRuntime();
  if (!ort) throw new Error(`onnxruntime-node is not available: ${error}`);
  const bytes = typeof model === 'function' ? model : async () => model;
  const { session, device } = cacheKey ? await cachedSession(ort, bytes, cacheKey) : await onnxSession(ort, await bytes());
  return {
    name: 'onnxruntime',
    device,
    async run(input) {
      const out = await session.run({ [signature.input]: new ort.Tensor('float32', input, signature.shape) });
      return Float32Array.from(out[signature.output].data as Float32Array);
    },
    dispose() {
      if (!cacheKey) void session.release();
    },
  };
}

/**
 * The runtime asked for; 'auto' tries onnxruntime and falls back to tfjs, saying why in
 * `fallback` (`what`: the network, as in "the student ran on tfjs").
 */
export async function chooseRuntime<R>(
  choice: RuntimeChoice,
  onnx: () => Promise<R>,
  tfjs: () => Promise<R>,
  what: string,
): Promise<{ runtime: R; fallback?: string }> {
  if (choice === 'tfjs') return { runtime: await tfjs() };
  try {
    return { runtime: await onnx() };
  } catch (err) {
    if (choice === 'onnxruntime') throw err;
    const why = err instanceof Error ? err.message.split('\n')[0] : String(err);
    return { runtime: await tfjs(), fallback: `onnxruntime unavailable (${why}): ${what} ran on tfjs` };
  }
}
