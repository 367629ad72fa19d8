/**
 * Child-process probe: reads one volume through the core reader and prints one JSON line with the
 * outcome and the process's peak resident memory, so tests can bound what a hostile file costs.
 *   node --import tsx test/helpers/read-volume-peak.ts FILE [image|labels|vector]
 */
import { readVolume } from '../../core/volume/io.js';
import type { VolumeKind } from '../../core/volume/io.js';

const [file, kind = 'image'] = process.argv.slice(2);
let error: string | undefined;
try {
  await readVolume(file, kind as VolumeKind);
} catch (err) {
  error = err instanceof Error ? err.message : String(err);
}
process.stdout.write(`${JSON.stringify({ error, maxRssMiB: process.resourceUsage().maxRSS / 1024 })}\n`);
