/**
 * Committing a folder as a whole. Its content is written into a fresh hidden sibling
 * (`.NAME.lw-new-PID-…`) and swapped in by renames: the current folder is renamed aside
 * (`.NAME.lw-old-PID-…`), the new one into place, then the old one is deleted. A process killed at
 * any point leaves either the old folder or the new one under NAME, never a mix of the two; a
 * kill between the two renames leaves no NAME at all, and the next commit (or
 * `recoverFolder`) renames the old folder back. Leftover siblings of dead processes are removed.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { LabelWarpError } from '../util/errors.js';

type Kind = 'new' | 'old';

interface Sibling {
  name: string;
  kind: Kind;
  pid: number;
}

const exists = (p: string) =>
  fs.lstat(p).then(
    () => true,
    () => false,
  );

function siblingPrefix(dir: string): string {
  return `.${path.basename(dir)}.lw-`;
}

function siblingName(dir: string, kind: Kind): string {
  return `${siblingPrefix(dir)}${kind}-${process.pid}-${randomBytes(4).toString('hex')}`;
}

/** Whether the process that made a sibling may still be writing it. */
function alive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function siblingsOf(dir: string): Promise<Sibling[]> {
  const prefix = siblingPrefix(dir);
  const entries = await fs.readdir(path.dirname(dir)).catch(() => [] as string[]);
  const out: Sibling[] = [];
  for (const name of entries) {
    if (!name.startsWith(prefix)) continue;
    const m = /^(new|old)-(\d+)-[0-9a-f]+$/.exec(name.slice(prefix.length));
    if (m) out.push({ name, kind: m[1] as Kind, pid: Number(m[2]) });
  }
  return out;
}

/**
 * Finishes or undoes a swap that a killed process left half done, and removes the staging and
 * set-aside folders of processes that no longer run. Safe to call at any time.
 */
export async function recoverFolder(dir: string): Promise<void> {
  const target = path.resolve(dir);
  const parent = path.dirname(target);
  const stale = (await siblingsOf(target)).filter((s) => !alive(s.pid));
  if (!(await exists(target))) {
    // Killed between "old aside" and "new in": the previous result comes back.
    const old = stale.find((s) => s.kind === 'old');
    if (old) {
      await fs.rename(path.join(parent, old.name), target);
      stale.splice(stale.indexOf(old), 1);
    }
  }
  await Promise.all(stale.map((s) => fs.rm(path.join(parent, s.name), { recursive: true, force: true })));
}

/**
 * Checks that `dir` can receive a committed folder: absent, or a folder whose every entry
 * `owned` accepts (a folder holding anything else is refused, as the swap would delete it).
 * Recovers an interrupted swap first.
 */
export async function prepareFolder(dir: string, owned: (name: string) => boolean): Promise<void> {
  const target = path.resolve(dir);
  await recoverFolder(target);
  const st = await fs.lstat(target).catch(() => undefined);
  if (!st) return;
  if (!st.isDirectory()) throw new LabelWarpError('exists and is not a folder', dir);
  const foreign = (await fs.readdir(target)).filter((n) => !owned(n));
  if (foreign.length > 0) {
    const shown = foreign.slice(0, 3).join(', ') + (foreign.length > 3 ? ', …' : '');
    throw new LabelWarpError(`holds files that are not part of a LabelWarp result (${shown}); choose an empty or new output folder`, dir);
  }
}

/**
 * Writes a folder as a whole: `write` fills a fresh staging folder, which then replaces `dir` by
 * renames. If `write` fails, the staging folder is removed and `dir` is untouched.
 */
export async function commitFolder(
  dir: string,
  owned: (name: string) => boolean,
  write: (staging: string) => Promise<void>,
): Promise<void> {
  const target = path.resolve(dir);
  const parent = path.dirname(target);
  await fs.mkdir(parent, { recursive: true });
  await prepareFolder(target, owned);
  const staging = path.join(parent, siblingName(target, 'new'));
  await fs.mkdir(staging);
  try {
    await write(staging);
  } catch (err) {
    await fs.rm(staging, { recursive: true, force: true });
    throw err;
  }
  if (!(await exists(target))) {
    await fs.rename(staging, target);
    return;
  }
  const aside = path.join(parent, siblingName(target, 'old'));
  await fs.rename(target, aside);
  try {
    await fs.rename(staging, target);
  } catch (err) {
    await fs.rename(aside, target);
    await fs.rm(staging, { recursive: true, force: true });
    throw err;
  }
  await fs.rm(aside, { recursive: true, force: true });
}

/** fsync of one file or folder (folders: where the file system allows it). */
export async function syncPath(p: string): Promise<void> {
  const handle = await fs.open(p, 'r');
  try {
    await handle.sync();
  } catch {
    // Some file systems refuse fsync on folders; the data files were synced.
  } finally {
    await handle.close();
  }
}

async function syncTree(dir: string): Promise<void> {
  for (const e of await fs.readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) await syncTree(p);
    else if (e.isFile()) await syncPath(p);
  }
  await syncPath(dir);
}

/**
 * Writes a folder that must not exist yet, as a whole: `write` fills a fresh staging folder, which
 * is renamed to `dir` only if nothing is there (renaming onto a folder with content fails
 * atomically), so a finished folder is never replaced, also when several processes race for the
 * same name. Returns false (and discards the staging folder) when `dir` already existed.
 */
export async function createFolder(dir: string, write: (staging: string) => Promise<void>): Promise<boolean> {
  const target = path.resolve(dir);
  const parent = path.dirname(target);
  await fs.mkdir(parent, { recursive: true });
  await recoverFolder(target);
  if (await exists(target)) return false;
  const staging = path.join(parent, siblingName(target, 'new'));
  await fs.mkdir(staging);
  try {
    await write(staging);
    // An empty folder is replaced by rename(2): never let one stand for a finished folder.
    if ((await fs.readdir(staging)).length === 0) throw new Error(`nothing was written for ${dir}`);
    // On disk before the name appears: a power loss leaves no named folder with empty files.
    await syncTree(staging);
    await fs.rename(staging, target);
    await syncPath(parent);
    return true;
  } catch (err) {
    await fs.rm(staging, { recursive: true, force: true });
    const code = (err as NodeJS.ErrnoException).code;
    if ((code === 'ENOTEMPTY' || code === 'EEXIST') && (await exists(target))) return false;
    throw err;
  }
}
