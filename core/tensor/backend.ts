/**
 * TensorFlow.js backend selection. Tries, in order, the native GPU backend
 * (`@tensorflow/tfjs-node-gpu`), the native CPU backend (`@tensorflow/tfjs-node`), then the pure
 * JavaScript `cpu` backend. Both native packages are optional dependencies: they download
 * libtensorflow when installed and are absent where that is impossible. The wasm backend is
 * never used (its 3D backward passes are wrong).
 *
 * Set LABELWARP_BACKEND=cpu (or tensorflow) to force a choice.
 *
 * TensorFlow.js is loaded here, on the first selection, not when this module is imported: a run
 * whose engine needs no tensors (affine, MIND-SSC gn) never loads it (about 0.16 s of process start).
 */
import { createRequire } from 'node:module';

export interface BackendInfo {
  /** tfjs backend name: 'tensorflow' or 'cpu'. */
  name: string;
  /** npm package providing it. */
  library: string;
  /** 'gpu' when the native GPU build runs, else 'cpu'. */
  device: 'gpu' | 'cpu';
  /** One line for status bars and logs. */
  description: string;
}

let selected: Promise<BackendInfo> | undefined;

const require = createRequire(import.meta.url);

function tryRequire(name: string): boolean {
  try {
    require(name);
    return true;
  } catch {
    return false;
  }
}

async function select(): Promise<BackendInfo> {
  const [tf, { registerMissingGradients }] = await Promise.all([import('@tensorflow/tfjs'), import('./gradients.js')]);
  tf.enableProdMode(); // also silences the "install the node backend" banner
  registerMissingGradients();
  const forced = process.env.LABELWARP_BACKEND;
  const candidates: { pkg: string; device: 'gpu' | 'cpu' }[] = [
    { pkg: '@tensorflow/tfjs-node-gpu', device: 'gpu' },
    { pkg: '@tensorflow/tfjs-node', device: 'cpu' },
  ];
  if (forced !== 'cpu') {
    for (const c of candidates) {
      if (!tryRequire(c.pkg)) continue;
      if (await tf.setBackend('tensorflow')) {
        await tf.ready();
        return { name: 'tensorflow', library: c.pkg, device: c.device, description: `tensorflow (${c.pkg}, ${c.device.toUpperCase()})` };
      }
    }
    if (forced === 'tensorflow') throw new Error('LABELWARP_BACKEND=tensorflow but no native TensorFlow backend is installed');
  }
  await tf.setBackend('cpu');
  await tf.ready();
  return { name: 'cpu', library: '@tensorflow/tfjs', device: 'cpu', description: 'cpu (@tensorflow/tfjs, pure JavaScript)' };
}

/** Selects the best available backend once and reports it. */
export function initTensorBackend(): Promise<BackendInfo> {
  selected ??= select();
  return selected;
}

/** What a run reports when its engine computed without tensors (no backend was selected). */
export const NO_TENSOR_BACKEND: BackendInfo = {
  name: 'none',
  library: 'none',
  device: 'cpu',
  description: 'none needed (typed-array kernels on the CPU)',
};
