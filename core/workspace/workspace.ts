/**
 * Opening, creating and listing a cohort workspace (layout.ts), and its templates and scans:
 * import (a file imported twice is noticed by its SHA-256), rename, remove. Every listing is read
 * from the folders, so several processes may write one workspace at once.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LabelWarpError } from '../util/errors.js';
import type { LabelEntry } from '../labels/label-table.js';
import { labelwarpVersion } from '../util/version.js';
import { fileSha256 } from '../models/model-format.js';
import { createFolder } from '../results/commit-folder.js';
import { createRecord, readRecord, readRecordIfPresent, writeRecord } from './records.js';
import {
  SCAN_FILE,
  TEMPLATE_FILE,
  WORKSPACE_FILE,
  WORKSPACE_FORMAT,
  WORKSPACE_VERSION,
  checkId,
  dirs,
  idFromFile,
  volumeExtension,
} from './layout.js';

export interface WorkspaceInfo {
  format: typeof WORKSPACE_FORMAT;
  version: number;
  createdAt: string;
  createdBy: string;
}

export interface Workspace {
  root: string;
  info: WorkspaceInfo;
}

export interface FileRecord {
  /** Name inside the item's folder. */
  file: string;
  sha256: string;
  /** Where it was imported from (for the user; never read back). */
  source: string;
}

export interface TemplateRecord {
  id: string;
  name: string;
  image: FileRecord;
  labels: FileRecord;
  importedAt: string;
  /** Names (and colours) of the labels, from the table found beside the label map at import. */
  table?: LabelEntry[];
}

export interface ScanRecord {
  id: string;
  name: string;
  image: FileRecord;
  /** Reference labels, when the scan has them. */
  labels?: FileRecord;
  importedAt: string;
}

/** Absolute paths of a template's or scan's files. */
export const templateFiles = (ws: Workspace, t: TemplateRecord) => ({
  image: path.join(dirs.template(ws.root, t.id), t.image.file),
  labels: path.join(dirs.template(ws.root, t.id), t.labels.file),
});
export const scanFiles = (ws: Workspace, s: ScanRecord) => ({
  image: path.join(dirs.scan(ws.root, s.id), s.image.file),
  labels: s.labels ? path.join(dirs.scan(ws.root, s.id), s.labels.file) : undefined,
});

function checkInfo(file: string, info: Partial<WorkspaceInfo>): WorkspaceInfo {
  if (info.format !== WORKSPACE_FORMAT)
    throw new LabelWarpError(`is not a LabelWarp workspace description (format "${String(info.format)}")`, file);
  if (typeof info.version !== 'number' || !Number.isInteger(info.version) || info.version < 1) {
    throw new LabelWarpError(`has no valid workspace version (${String(info.version)})`, file);
  }
  if (info.version > WORKSPACE_VERSION) {
    throw new LabelWarpError(
      `was written by a newer LabelWarp (workspace version ${info.version}; this LabelWarp ${labelwarpVersion()} reads versions up to ${WORKSPACE_VERSION}): update LabelWarp to open it`,
      file,
    );
  }
  return info as WorkspaceInfo;
}

/** Creates the workspace description in `dir` (which holds `entries`), or reads the one another process created first. */
async function createWorkspaceIn(dir: string, file: string, entries: string[]): Promise<Partial<WorkspaceInfo>> {
  const foreign = entries.filter(
    (e) => !['templates', 'scans', 'models', 'runs', 'teachers', 'training'].includes(e) && !e.startsWith('.'),
  );
  if (foreign.length > 0) {
    throw new LabelWarpError(
      `holds other files (${foreign.slice(0, 3).join(', ')}) and no ${WORKSPACE_FILE}: choose an empty or new folder for a workspace`,
      dir,
    );
  }
  await fs.mkdir(dir, { recursive: true });
  const fresh: WorkspaceInfo = {
    format: WORKSPACE_FORMAT,
    version: WORKSPACE_VERSION,
    createdAt: new Date().toISOString(),
    createdBy: `LabelWarp ${labelwarpVersion()} on ${os.hostname()}`,
  };
  await createRecord(file, fresh);
  return readRecord<Partial<WorkspaceInfo>>(file, 'LabelWarp workspace description');
}

/**
 * Opens the workspace in `root`; with `create`, makes it when the folder is empty or missing
 * (several processes may do so at once: one creates, the others open). A folder that holds other
 * files and no workspace.json is refused.
 */
export async function openWorkspace(root: string, opts: { create?: boolean } = {}): Promise<Workspace> {
  const dir = path.resolve(root);
  const file = path.join(dir, WORKSPACE_FILE);
  const read = () => readRecordIfPresent<Partial<WorkspaceInfo>>(file, 'LabelWarp workspace description');
  let info = await read();
  if (!info) {
    if (!opts.create) throw new LabelWarpError(`is not a LabelWarp workspace (no ${WORKSPACE_FILE})`, dir);
    const entries = await fs.readdir(dir).catch(() => [] as string[]);
    // Another process may have created the workspace since the read above (its description is
    // linked into place whole): then this one opens it.
    if (entries.includes(WORKSPACE_FILE)) info = await read();
    if (!info) info = await createWorkspaceIn(dir, file, entries);
  }
  const ws: Workspace = { root: dir, info: checkInfo(file, info) };
  await Promise.all([dirs.templates, dirs.scans, dirs.models, dirs.runs].map((d) => fs.mkdir(d(dir), { recursive: true })));
  return ws;
}

/** Visible sub-folders of `dir` (hidden ones are staging or set-aside folders), sorted. */
export async function subFolders(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
  return entries
    .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
    .map((e) => e.name)
    .sort();
}

async function readAll<T>(parent: string, file: string, what: string): Promise<T[]> {
  const out: T[] = [];
  for (const id of await subFolders(parent)) {
    const rec = await readRecordIfPresent<T>(path.join(parent, id, file), what).catch(() => undefined);
    if (rec) out.push(rec);
  }
  return out;
}

export const listTemplates = (ws: Workspace) => readAll<TemplateRecord>(dirs.templates(ws.root), TEMPLATE_FILE, 'template record');
export const listScans = (ws: Workspace) => readAll<ScanRecord>(dirs.scans(ws.root), SCAN_FILE, 'scan record');

export async function getTemplate(ws: Workspace, id: string): Promise<TemplateRecord> {
  return readRecord<TemplateRecord>(path.join(dirs.template(ws.root, checkId(id, 'template')), TEMPLATE_FILE), 'template record');
}
export async function getScan(ws: Workspace, id: string): Promise<ScanRecord> {
  return readRecord<ScanRecord>(path.join(dirs.scan(ws.root, checkId(id, 'scan')), SCAN_FILE), 'scan record');
}

export interface Imported<T> {
  record: T;
  /** True when the same file (same SHA-256) was already in the workspace: nothing was copied. */
  duplicate: boolean;
}

interface ImportSource {
  image: string;
  labels?: string;
  name?: string;
}

async function checksums(src: ImportSource): Promise<{ image: string; labels?: string }> {
  volumeExtension(src.image);
  if (src.labels) volumeExtension(src.labels);
  const [image, labels] = await Promise.all([fileSha256(src.image), src.labels ? fileSha256(src.labels) : undefined]);
  return { image, labels };
}

/**
 * Copies an item's files into a new folder under `parent`, named from the file (with -2, -3, …
 * when that name holds another item), unless an item with the same checksums is there already.
 */
async function importItem<T extends { id: string; image: { sha256: string }; labels?: { sha256: string } }>(
  parent: string,
  recordFile: string,
  src: ImportSource,
  existing: T[],
  make: (id: string, files: { image: FileRecord; labels?: FileRecord }) => T,
): Promise<Imported<T>> {
  const sums = await checksums(src);
  const same = (r: T) => r.image.sha256 === sums.image && (r.labels?.sha256 ?? undefined) === sums.labels;
  const known = existing.find(same);
  if (known) return { record: known, duplicate: true };
  const base = src.name ? idFromFile(src.name) : idFromFile(src.image);
  for (let n = 1; n < 10000; n++) {
    const id = n === 1 ? base : `${base}-${n}`;
    const target = path.join(parent, id);
    const files = {
      image: { file: `image${volumeExtension(src.image)}`, sha256: sums.image, source: path.resolve(src.image) },
      labels: src.labels
        ? { file: `labels${volumeExtension(src.labels)}`, sha256: sums.labels!, source: path.resolve(src.labels) }
        : undefined,
    };
    const record = make(id, files);
    const created = await createFolder(target, async (staging) => {
      await fs.copyFile(src.image, path.join(staging, files.image.file));
      if (src.labels && files.labels) await fs.copyFile(src.labels, path.join(staging, files.labels.file));
      // The copies are checked against the checksums taken before (a file changed meanwhile is refused).
      if ((await fileSha256(path.join(staging, files.image.file))) !== sums.image)
        throw new LabelWarpError('changed while it was imported', src.image);
      await writeRecord(path.join(staging, recordFile), record);
    });
    if (created) return { record, duplicate: false };
    // Another process may have imported the same file under this name just now.
    const there = await readRecordIfPresent<T>(path.join(target, recordFile), 'record').catch(() => undefined);
    if (there && same(there)) return { record: there, duplicate: true };
  }
  throw new LabelWarpError('too many items with this name', src.image);
}

export async function importTemplate(
  ws: Workspace,
  src: { image: string; labels: string; name?: string; table?: LabelEntry[] },
  existing?: TemplateRecord[],
): Promise<Imported<TemplateRecord>> {
  const known = existing ?? (await listTemplates(ws));
  return importItem<TemplateRecord>(dirs.templates(ws.root), TEMPLATE_FILE, src, known, (id, files) => ({
    id,
    name: src.name ?? id,
    image: files.image,
    labels: files.labels!,
    importedAt: new Date().toISOString(),
    ...(src.table?.length ? { table: src.table } : {}),
  }));
}

/** Imports a scan (with its reference labels if given); pass `existing` when importing many. */
export async function importScan(
  ws: Workspace,
  src: { image: string; labels?: string; name?: string },
  existing?: ScanRecord[],
): Promise<Imported<ScanRecord>> {
  const known = existing ?? (await listScans(ws));
  return importItem<ScanRecord>(dirs.scans(ws.root), SCAN_FILE, src, known, (id, files) => {
    const r: ScanRecord = { id, name: src.name ?? id, image: files.image, importedAt: new Date().toISOString() };
    if (files.labels) r.labels = files.labels;
    return r;
  });
}

/** Changes the name shown for a template or scan (its id, and so its results, stay). */
export async function renameItem(ws: Workspace, kind: 'template' | 'scan', id: string, name: string): Promise<void> {
  const clean = name.trim();
  if (!clean || clean.length > 200 || /[\n\r]/.test(clean)) throw new LabelWarpError(`"${name}" is not a usable name`);
  const dir = kind === 'template' ? dirs.template(ws.root, checkId(id, kind)) : dirs.scan(ws.root, checkId(id, kind));
  const file = path.join(dir, kind === 'template' ? TEMPLATE_FILE : SCAN_FILE);
  const rec = await readRecord<TemplateRecord | ScanRecord>(file, `${kind} record`);
  await writeRecord(file, { ...rec, name: clean });
}

/** Removes a folder at once: renamed aside (one atomic step), then deleted. */
export async function removeFolder(dir: string): Promise<void> {
  const aside = path.join(path.dirname(dir), `.${path.basename(dir)}.removed-${process.pid}-${Date.now()}`);
  try {
    await fs.rename(dir, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new LabelWarpError('does not exist', dir);
    throw err;
  }
  await fs.rm(aside, { recursive: true, force: true });
}

/** Removes a scan or a template (their results stay in runs/ with their provenance until removed). */
export async function removeItem(ws: Workspace, kind: 'template' | 'scan', id: string): Promise<void> {
  await removeFolder(kind === 'template' ? dirs.template(ws.root, checkId(id, kind)) : dirs.scan(ws.root, checkId(id, kind)));
}
