import { promises as fs } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';

/** Known multi-part extensions, kept at the end of temporary names so that writers pick the format. */
const EXTENSIONS = ['.nii.gz', '.nii', '.nrrd', '.nhdr', '.mha', '.mhd', '.json', '.tfm', '.txt', '.csv', '.md'];

export function splitExtension(file: string): [string, string] {
  const lower = file.toLowerCase();
  const ext = EXTENSIONS.find((e) => lower.endsWith(e)) ?? path.extname(file);
  return [file.slice(0, file.length - ext.length), file.slice(file.length - ext.length)];
}

/** A temporary sibling of `file` with the same extension. */
export function temporarySibling(file: string): string {
  const [stem, ext] = splitExtension(file);
  const dir = path.dirname(stem);
  return path.join(dir, `.${path.basename(stem)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}${ext}`);
}

/**
 * Writes `file` atomically: `write` receives a temporary path in the same folder, and the result
 * is renamed over `file` only when `write` succeeded. On failure the temporary file is removed and
 * whatever `file` held before is untouched.
 */
export async function writeAtomically(file: string, write: (tmp: string) => Promise<void>): Promise<void> {
  await fs.mkdir(path.dirname(path.resolve(file)), { recursive: true });
  const tmp = temporarySibling(path.resolve(file));
  try {
    await write(tmp);
    await fs.rename(tmp, file);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
}

export async function writeTextAtomically(file: string, text: string): Promise<void> {
  await writeAtomically(file, (tmp) => fs.writeFile(tmp, text));
}
