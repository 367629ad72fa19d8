/** LabelWarp's version (package.json two levels above this module, as from dist/cli/). */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

export function labelwarpVersion(): string {
  if (cached === undefined) {
    try {
      const file = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'package.json');
      cached = String((JSON.parse(readFileSync(file, 'utf8')) as { version?: string }).version ?? 'unknown');
    } catch {
      cached = 'unknown';
    }
  }
  return cached;
}
