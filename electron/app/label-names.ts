/** Label-name tables: ITK-SNAP label descriptions or CSV (label,name). */
import { promises as fs } from 'node:fs';
import { LabelWarpError } from '../../core/util/errors.js';

export async function readLabelNames(file: string): Promise<Record<string, string>> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch {
    throw new LabelWarpError('label-name table not found', file);
  }
  const names: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
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
    throw new LabelWarpError(`not an ITK-SNAP label description or CSV table (line "${line.slice(0, 60)}")`, file);
  }
  if (Object.keys(names).length === 0) throw new LabelWarpError('holds no label names', file);
  return names;
}
