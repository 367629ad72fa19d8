/** Registration of the template image to one scan by a named engine, with input checks. */
import type { Volume } from '../volume/volume.js';
import { createEngine, getEngineDescriptor } from '../engines/index.js';
import type { EngineDescriptor, RegistrationOutput } from '../engines/index.js';
import type { ProgressFn } from './progress.js';

export interface RegisterOptions {
  engine: string;
  engineOptions?: Record<string, unknown>;
  signal?: AbortSignal;
  onProgress?: ProgressFn;
}

export async function registerScan(
  scan: Volume,
  atlasImage: Volume,
  options: RegisterOptions,
): Promise<RegistrationOutput & { descriptor: EngineDescriptor; seconds: number }> {
  const started = performance.now();
  const descriptor = getEngineDescriptor(options.engine);
  const engine = await createEngine(options.engine, options.engineOptions ?? {});
  try {
    const out = await engine.register(scan, atlasImage, { signal: options.signal, onProgress: options.onProgress });
    return { ...out, descriptor, seconds: (performance.now() - started) / 1000 };
  } finally {
    engine.dispose();
  }
}
