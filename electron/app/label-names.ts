/**
 * Label-name tables: ITK-SNAP label descriptions or CSV (label,name). Errors name the file and the
 * line number, never the file's content (the path may name any file the user can read).
 */
import { promises as fs } from 'node:fs';
import { LabelWarpError } from '../../core/util/errors.js';

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

export async function readLabelNames(file: string): Promise<Record<string, string>> {
  const text = await readTable(file);
  const names: Record<string, string> = {};
  const lines = text.split(/\r?\n/);
  for (let n = 0; n < lines.length; n++) {
    const raw = lines[n];
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    // ITK-SNAP: IDX R G B A VIS MSH "LABEL"
    const snap = /^(\d+)\s+\d+\s+\d+\s+\d+\s+[\d.]+\s+\d+\s+\d+\s+"(.*)"$/.exec(line);
    if (snap) {
      names[snap[1]] = snap[2];
      continue;
    }
    const csv = /^(\d+)\s*[,;\t]\s*"?([^"]*?)"?\s*$/.exec(line);
    if (csv) {
      names[csv[1]] = csv[2];
      continue;
    }
    if (/^label\s*[,;\t]/i.test(line)) continue; // CSV header
    throw new LabelWarpError(`line ${n + 1} is neither an ITK-SNAP label description nor a CSV row (label,name)`, file);
  }
  if (Object.keys(names).length === 0) throw new LabelWarpError('holds no label names', file);
  return names;
}
