/**
 * Files: a folder browser over the folders the user allowed (browser mode's `--root`s, the
 * desktop's picked folders), so that no path ever has to be typed. The server answers only inside
 * those folders (electron/security/roots.ts); a listing never shows a link that leads out of them.
 */
import { ContractError, absolutePath, none, object } from '../check.js';
import type { Check } from '../check.js';
import { defineService } from '../table.js';

export interface FileRoot {
  path: string;
  writable: boolean;
}

export interface FileEntry {
  name: string;
  path: string;
  kind: 'folder' | 'file';
  /** A NIfTI, NRRD or MHA image (label maps included), or a label-name table (.txt, .csv). */
  openable: boolean;
  /** Bytes, for files. */
  size?: number;
}

export interface FolderListing {
  folder: string;
  /** The folder above, while it is still inside an allowed folder. */
  parent?: string;
  writable: boolean;
  entries: FileEntry[];
  /** Entries left out: more than the listing limit. */
  truncated: boolean;
}

export interface FilesService {
  /** The allowed folders: where browsing starts. */
  roots(): Promise<FileRoot[]>;
  list(args: { folder: string }): Promise<FolderListing>;
}

/** An absolute folder path without `.` or `..` segments (the browser only ever sends what it listed). */
export const plainFolder: Check<string> = (v, where, key) => {
  const p = absolutePath(v, where, key);
  if (p.split(/[\\/]+/).some((s) => s === '..' || s === '.'))
    throw new ContractError(`${where}: "${key}" must not contain "." or ".." segments`);
  return p;
};

export const filesContract = defineService<FilesService>(
  {
    roots: none,
    list: object({ folder: plainFolder }),
  },
  {},
);
