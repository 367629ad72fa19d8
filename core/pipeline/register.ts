/** Registration of the template image to one scan by a named engine, with input and memory checks. */
import type { Volume } from '../volume/volume.js';
import { createEngine, engineOptions, getEngineDefinition } from '../engines/index.js';
import type { EngineDefinition, RegistrationOutput } from '../engines/index.js';
import { checkMemory } from '../engines/memory.js';
import type { ProgressFn } from './progress.js';

export interface RegisterOptions {
  engine: string;
  engineOptions?: Record<string, unknown>;
  signal?: AbortSignal;
  onProgress?: ProgressFn;
  /** The template image's file (learned engines check their model against it). */
  templateFile?: string;
  /** Bytes the caller holds beside the engine during the run (its inputs and outputs). */
  callerBytes?: number;
}

export async function registerScan(
  scan: Volume,
  templateImage: Volume,
  options: RegisterOptions,
): Promise<RegistrationOutput & { descriptor: EngineDefinition; seconds: number }> {
  const started = performance.now();
  const descriptor = getEngineDefinition(options.engine);
  const raw = options.engineOptions ?? {};
  checkMemory(descriptor, engineOptions(descriptor, raw), { fixed: scan, moving: templateImage }, options.callerBytes ?? 0);
  const engine = await createEngine(options.engine, raw);
  try {
    const ctx = { signal: options.signal, onProgress: options.onProgress, templateFile: options.templateFile };
    const out = await engine.register(scan, templateImage, ctx);
    return { ...out, descriptor, seconds: (performance.now() - started) / 1000 };
  } finally {
    engine.dispose();
  }
}
