/**
 * Label tables: the name and colour of each label of a label map, from an ITK-SNAP label
 * description file or a CSV (label,name[,r,g,b]). Parsing only (pure TypeScript: the app reads the
 * file, the renderer shows the result). Errors name the file and the line number, never the line's
 * content (the path may name any file the user can read).
 */
import { LabelWarpError } from '../util/errors.js';

export type Rgb = [number, number, number];

export interface LabelEntry {
  label: number;
  name: string;
  /** 0–255 per channel; absent where the table gives none (the viewer then picks one). */
  colour?: Rgb;
}

/** Largest label value of a label map LabelWarp reads (16-bit labels). */
const MAX_LABEL = 65535;

// ITK-SNAP: IDX R G B A VIS MSH "LABEL" (A is a float in [0, 1]).
const SNAP = /^(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+([\d.eE+-]+)\s+(\d+)\s+(\d+)\s+"(.*)"\s*$/;
// CSV (comma, semicolon or tab): label, name, optionally r, g, b.
const CSV = /^(\d+)\s*[,;\t]\s*(?:"([^"]*)"|([^,;\t"]*?))\s*(?:[,;\t]\s*(\d+)\s*[,;\t]\s*(\d+)\s*[,;\t]\s*(\d+)\s*)?$/;
const CSV_HEADER = /^"?(label|index|idx|id|value)"?\s*[,;\t]/i;

function channel(s: string): number | undefined {
  const v = Number(s);
  return Number.isInteger(v) && v >= 0 && v <= 255 ? v : undefined;
}

function rgb(r: string, g: string, b: string): Rgb | undefined {
  const c = [channel(r), channel(g), channel(b)];
  return c.every((x) => x !== undefined) ? (c as Rgb) : undefined;
}

/**
 * Parses a label table. Label 0 (ITK-SNAP's "Clear Label", the background) is left out. A label
 * given twice keeps its last row, as ITK-SNAP does.
 */
export function parseLabelTable(text: string, file?: string): LabelEntry[] {
  const rows = new Map<number, LabelEntry>();
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n|\r/);
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n].trim();
    if (!line || line.startsWith('#')) continue;
    const snap = SNAP.exec(line);
    let entry: LabelEntry | undefined;
    if (snap) {
      const colour = rgb(snap[2], snap[3], snap[4]);
      if (!colour) throw new LabelWarpError(`line ${n + 1}: a colour channel is outside 0–255`, file);
      entry = { label: Number(snap[1]), name: snap[8].trim(), colour };
    } else {
      const csv = CSV.exec(line);
      if (csv) {
        const colour = csv[4] === undefined ? undefined : rgb(csv[4], csv[5], csv[6]);
        if (csv[4] !== undefined && !colour) throw new LabelWarpError(`line ${n + 1}: a colour channel is outside 0–255`, file);
        entry = { label: Number(csv[1]), name: (csv[2] ?? csv[3] ?? '').trim(), ...(colour ? { colour } : {}) };
      } else if (rows.size === 0 && CSV_HEADER.test(line)) continue;
    }
    if (!entry) throw new LabelWarpError(`line ${n + 1} is neither an ITK-SNAP label description nor a CSV row (label,name[,r,g,b])`, file);
    if (entry.label > MAX_LABEL) throw new LabelWarpError(`line ${n + 1}: label ${entry.label} is above ${MAX_LABEL}`, file);
    if (entry.label === 0) continue;
    if (!entry.name) entry.name = `Label ${entry.label}`;
    rows.set(entry.label, entry);
  }
  if (rows.size === 0) throw new LabelWarpError('holds no label names', file);
  return [...rows.values()].sort((a, b) => a.label - b.label);
}

/** Name of a label from a table (or "Label N" where the table has none). */
export function labelName(table: readonly LabelEntry[] | undefined, label: number): string {
  return table?.find((e) => e.label === label)?.name ?? `Label ${label}`;
}
