/**
 * Refusing runs that cannot fit: before an engine starts, its definition estimates the bytes it
 * needs from the grids; with what the process holds already and what the caller adds, that is
 * compared with the machine's memory (os.totalmem(), or LABELWARP_MAX_MEMORY: bytes, or a number
 * with K, M or G). Too much gives a one-line error instead of a machine that swaps or a killed process.
 */
import os from 'node:os';
import { LabelWarpError } from '../util/errors.js';
import type { EngineDefinition, RunGrids } from './engine.js';
import type { OptionSchema, OptionValues } from './options.js';

const UNITS: Record<string, number> = { '': 1, K: 2 ** 10, M: 2 ** 20, G: 2 ** 30 };

/** The memory a run may use, in bytes, and where that limit comes from. */
export function memoryLimit(): { bytes: number; source: string } {
  const raw = process.env.LABELWARP_MAX_MEMORY?.trim();
  if (raw) return { bytes: parseBytes(raw, 'LABELWARP_MAX_MEMORY'), source: 'LABELWARP_MAX_MEMORY' };
  return { bytes: os.totalmem(), source: "this machine's memory" };
}

/** Bytes from a setting: a number of bytes, or a number with K, M or G (`8G`). */
export function parseBytes(raw: string, name = 'LABELWARP_TRAIN_MAX_MEMORY'): number {
  const m = /^(\d+(?:\.\d+)?)\s*([KMG]?)i?B?$/i.exec(raw.trim());
  if (!m) throw new LabelWarpError(`${name} must be bytes or a number with K, M or G, got "${raw}"`);
  return Number(m[1]) * UNITS[m[2].toUpperCase()];
}

export const gib = (bytes: number) => `${(bytes / 2 ** 30).toFixed(1)} GiB`;

/**
 * Bytes the run is expected to need at its peak: what the process holds now (its inputs read)
 * plus the larger of the engine's arrays and the caller's, which are mostly alive one after the
 * other (registration, then label transfer and metrics).
 */
export function runMemory(definition: EngineDefinition, options: OptionValues<OptionSchema>, grids: RunGrids, callerBytes: number): number {
  return process.memoryUsage().rss + Math.max(definition.estimateMemory(grids, options), callerBytes);
}

export function checkMemory(definition: EngineDefinition, options: OptionValues<OptionSchema>, grids: RunGrids, callerBytes = 0): void {
  const needed = runMemory(definition, options, grids, callerBytes);
  const limit = memoryLimit();
  if (needed > limit.bytes) {
    throw new LabelWarpError(
      `engine "${definition.name}" would need about ${gib(needed)} for a ${grids.fixed.dims.join('×')} scan, more than ${limit.source} (${gib(limit.bytes)}); use a smaller or downsampled scan`,
    );
  }
}
