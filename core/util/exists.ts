/** Whether a path exists (following links), without throwing. */
import { promises as fs } from 'node:fs';

export function exists(p: string): Promise<boolean> {
  return fs.stat(p).then(
    () => true,
    () => false,
  );
}
