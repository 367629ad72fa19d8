/**
 * The folders that requests from the user interface may read and write, one rule for both
 * transports (browser mode's WebSocket and Electron's IPC), so that a compromised page or renderer
 * reaches nothing beyond what the user chose:
 *
 * - read: the folders the user chose (browser mode: `--root`, default the working directory;
 *   desktop: folders picked in a dialog and the folder of each picked file) and the bundled
 *   resources (read-only);
 * - write (result export): only the chosen folders, never the resources or the app's own state.
 *
 * Every path is resolved with realpath (the nearest existing ancestor for paths that do not exist
 * yet), so a symbolic link inside a root cannot lead out of it. A path outside every root is
 * refused before the file system is touched, with one message whether or not it exists.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { LabelWarpError } from '../../core/util/errors.js';

export type Access = 'read' | 'write';

interface Root {
  /** As given (absolute, normalised): the lexical check before any file-system access. */
  given: string;
  /** Its real path (symbolic links resolved). */
  real: string;
  writable: boolean;
}

function inside(child: string, parent: string): boolean {
  if (child === parent) return true;
  const rel = path.relative(parent, child);
  return rel !== '' && !rel.startsWith('..' + path.sep) && rel !== '..' && !path.isAbsolute(rel);
}

/** Real path of `p`, or of its nearest existing ancestor joined with the rest (for new files). */
async function realpathNearest(p: string): Promise<{ real: string; exists: boolean }> {
  const rest: string[] = [];
  let cur = p;
  for (;;) {
    try {
      const real = await fs.realpath(cur);
      return { real: rest.length ? path.join(real, ...rest.reverse()) : real, exists: rest.length === 0 };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw err;
      const parent = path.dirname(cur);
      if (parent === cur) return { real: p, exists: false };
      rest.push(path.basename(cur));
      cur = parent;
    }
  }
}

export class AllowedRoots {
  private readonly roots: Root[] = [];

  /** Adds a root (a folder). The file-system root itself is refused: it would allow everything. */
  async add(folder: string, writable: boolean): Promise<void> {
    const given = path.resolve(folder);
    let real: string;
    try {
      real = await fs.realpath(given);
    } catch {
      throw new LabelWarpError('folder not found', given);
    }
    if (!(await fs.stat(real)).isDirectory()) throw new LabelWarpError('is not a folder', given);
    if (path.dirname(real) === real) throw new LabelWarpError('the file-system root cannot be an allowed folder', given);
    const existing = this.roots.find((r) => r.real === real);
    if (existing) {
      existing.writable ||= writable;
      return;
    }
    this.roots.push({ given, real, writable });
  }

  /** What the user chose in a dialog: a folder (read and write), or files (their folders, read-only). */
  async grantPicked(kind: 'file' | 'files' | 'folder', paths: string[]): Promise<void> {
    for (const p of paths) await this.add(kind === 'folder' ? p : path.dirname(p), kind === 'folder');
  }

  /** The roots, for messages and the startup banner. */
  list(): { folder: string; writable: boolean }[] {
    return this.roots.map((r) => ({ folder: r.given, writable: r.writable }));
  }

  /**
   * Checks `p` for `access` and returns it as an absolute path (file names are kept: a linked
   * scan keeps its own name), or throws a one-line LabelWarpError. Outside every root: the same
   * message whether or not the path exists.
   */
  async resolve(p: string, access: Access): Promise<string> {
    const abs = path.resolve(p);
    const eligible = this.roots.filter((r) => access === 'read' || r.writable);
    const refuse = () =>
      new LabelWarpError(
        access === 'read'
          ? 'is outside the folders LabelWarp may read (choose it in a dialog, or start browser mode with --root)'
          : 'is outside the folders LabelWarp may write to (choose one in a dialog, or start browser mode with --root)',
        abs,
      );
    if (!eligible.some((r) => inside(abs, r.given) || inside(abs, r.real))) throw refuse();
    const { real, exists } = await realpathNearest(abs);
    if (!eligible.some((r) => inside(real, r.real))) throw refuse();
    if (!exists && access === 'read') throw new LabelWarpError('file not found', abs);
    return abs;
  }

  /** Whether `p` (e.g. a file found beside a checked one) may be accessed. */
  async allows(p: string, access: Access): Promise<boolean> {
    try {
      await this.resolve(p, access);
      return true;
    } catch {
      return false;
    }
  }
}
