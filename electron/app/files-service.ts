/**
 * The files service (core/ipc/services/files.ts): browsing the allowed folders, for browser mode's
 * file and folder picker. Every folder is checked by the one rule of electron/security/roots.ts
 * before it is read; entries that are links leading out of the allowed folders are left out.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { isSupportedVolumeFile } from '../../core/volume/io.js';
import { LabelWarpError } from '../../core/util/errors.js';
import type { FileEntry, FileRoot, FilesService, FolderListing } from '../../core/ipc/contract.js';
import type { AppContext } from './app-context.js';

/** Most entries listed for one folder (a folder of a few thousand DICOM slices is listed in part). */
export const MAX_ENTRIES = 5000;

const openable = (name: string) => isSupportedVolumeFile(name) || /\.(txt|csv)$/i.test(name);

export class Files implements FilesService {
  constructor(private readonly ctx: AppContext) {}

  async roots(): Promise<FileRoot[]> {
    return this.ctx.roots.list().map((r) => ({ path: r.folder, writable: r.writable }));
  }

  async list(a: { folder: string }): Promise<FolderListing> {
    const roots = this.ctx.roots;
    const folder = await roots.resolve(a.folder, 'read');
    const st = await fs.stat(folder);
    if (!st.isDirectory()) throw new LabelWarpError('is not a folder', folder);
    const dirents = await fs.readdir(folder, { withFileTypes: true });
    const entries: FileEntry[] = [];
    for (const d of dirents) {
      if (d.name.startsWith('.')) continue;
      const p = path.join(folder, d.name);
      // A link is followed only where it stays inside the allowed folders.
      if (d.isSymbolicLink() && !(await roots.allows(p, 'read'))) continue;
      const s = await fs.stat(p).catch(() => undefined);
      if (!s) continue;
      if (s.isDirectory()) entries.push({ name: d.name, path: p, kind: 'folder', openable: false });
      else if (s.isFile()) entries.push({ name: d.name, path: p, kind: 'file', openable: openable(d.name), size: s.size });
      if (entries.length >= MAX_ENTRIES) break;
    }
    entries.sort((x, y) => (x.kind === y.kind ? x.name.localeCompare(y.name, undefined, { numeric: true }) : x.kind === 'folder' ? -1 : 1));
    const up = path.dirname(folder);
    return {
      folder,
      parent: up !== folder && (await roots.allows(up, 'read')) ? up : undefined,
      writable: await roots.allows(folder, 'write'),
      entries,
      truncated: entries.length >= MAX_ENTRIES && dirents.length > MAX_ENTRIES,
    };
  }
}
