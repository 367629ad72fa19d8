/**
 * Fuzz worker (a child process of test/fuzz/run.ts): reads one case per stdin line
 * ({"file", "kind"}) through the core reader, checks the outcome against the reference decoder and
 * answers one JSON line ({"outcome", "detail"}). A case that never answers is a hang; a worker
 * that dies is a crash.
 */
import { promises as fs } from 'node:fs';
import { createInterface } from 'node:readline';
import { readVolume } from '../../core/volume/io.js';
import { LabelWarpError } from '../../core/util/errors.js';
import { compareWithReference, referenceDecode } from './reference-nifti.js';
import { classifyError } from './outcome.js';
import type { Outcome } from './outcome.js';

async function runCase(file: string, kind: 'image' | 'labels'): Promise<{ outcome: Outcome; detail: string }> {
  let volume;
  try {
    volume = await readVolume(file, kind);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return { outcome: err instanceof LabelWarpError ? classifyError(message, file) : 'crash', detail: message };
  }
  const ref = referenceDecode(await fs.readFile(file), file.endsWith('.gz'), kind);
  if (!ref.ok) return { outcome: 'silent wrong', detail: `accepted, but the reference decoder refuses it: ${ref.reason}` };
  const diff = compareWithReference(volume, ref.volume);
  if (diff) return { outcome: 'silent wrong', detail: `accepted, but differs from the reference decode: ${diff}` };
  return { outcome: 'success', detail: `${volume.dims.join('×')}` };
}

const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  const { file, kind } = JSON.parse(line) as { file: string; kind: 'image' | 'labels' };
  const result = await runCase(file, kind).catch((err: unknown) => ({ outcome: 'crash' as Outcome, detail: String(err) }));
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
