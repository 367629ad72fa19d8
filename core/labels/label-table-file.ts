/**
 * Reading label tables (ITK-SNAP label descriptions or CSV) from disk, size-limited; the parsing is
 * core/labels/label-table.ts.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { LabelWarpError } from '../util/errors.js';
import { parseLabelTable } from './label-table.js';
import type { LabelEntry } from './label-table.js';

/** Largest table read (a table of 65,535 labels with long names stays far below it). */
export const MAX_LABEL_TABLE_BYTES = 4 << 20;

async function readTable(file: string): Promise<string> {
  const fh = await fs.open(file, 'r').catch(() => {
    throw new LabelWarpError('label-name table not found', file);
  });
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new LabelWarpError('the label-name table is not a regular file', file);
    if (st.size > MAX_LABEL_TABLE_BYTES)
      throw new LabelWarpError(`the label-name table is larger than ${MAX_LABEL_TABLE_BYTES >> 20} MiB`, file);
    return await fh.readFile('utf8');
  } finally {
    await fh.close();
  }
}

/** The label table of an ITK-SNAP label description file or a CSV (core/labels/label-table.ts). */
export async function readLabelTable(file: string): Promise<LabelEntry[]> {
  return parseLabelTable(await readTable(file), file);
}

/** A label table beside a label map, taken when the user names none: <labels>.txt / .csv, or labels.txt / .csv. */
export async function tableBeside(labels: string, allowed: (file: string) => Promise<boolean>): Promise<string | undefined> {
  const stem = path.basename(labels).replace(/\.(nii\.gz|nii|nrrd|mha)$/i, '');
  for (const name of [`${stem}.txt`, `${stem}.csv`, 'labels.txt', 'labels.csv']) {
    const file = path.join(path.dirname(labels), name);
    if ((await fs.stat(file).catch(() => undefined))?.isFile() && (await allowed(file))) return file;
  }
  return undefined;
}

/** The table beside a label map (tableBeside), read; undefined where there is none. */
export async function labelTableBeside(labels: string, allowed: (file: string) => Promise<boolean>): Promise<LabelEntry[] | undefined> {
  const file = await tableBeside(labels, allowed);
  return file ? readLabelTable(file) : undefined;
}
