/**
 * The small JSON records of a workspace: read with one-line errors naming the file, written
 * atomically (temporary file + rename), or created only if absent (hard link of a complete
 * temporary file: of several processes creating the same record, exactly one succeeds).
 */
import { promises as fs } from 'node:fs';
import { writeTextAtomically, temporarySibling } from '../util/atomic.js';
import { LabelWarpError } from '../util/errors.js';

export const jsonText = (value: unknown) => JSON.stringify(value, null, 2) + '\n';

export async function readRecord<T>(file: string, what: string): Promise<T> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch {
    throw new LabelWarpError(`is missing: not a ${what}`, file);
  }
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new LabelWarpError(`is not valid JSON (damaged ${what})`, file);
  }
}

/** The record, or undefined when the file does not exist (a damaged file is an error). */
export async function readRecordIfPresent<T>(file: string, what: string): Promise<T | undefined> {
  const present = await fs.stat(file).then(
    () => true,
    () => false,
  );
  return present ? readRecord<T>(file, what) : undefined;
}

export function writeRecord(file: string, value: unknown): Promise<void> {
  return writeTextAtomically(file, jsonText(value));
}

/** Creates `file` with `value` unless it exists; returns whether this call created it. */
export async function createRecord(file: string, value: unknown): Promise<boolean> {
  const tmp = temporarySibling(file);
  await fs.writeFile(tmp, jsonText(value));
  try {
    await fs.link(tmp, file);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP') throw err;
    // File systems without hard links: exclusive create (a crash may leave it partly written;
    // readers treat a damaged record as absent where that is safe).
    try {
      await fs.writeFile(file, jsonText(value), { flag: 'wx' });
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw e;
    }
  } finally {
    await fs.rm(tmp, { force: true });
  }
}
