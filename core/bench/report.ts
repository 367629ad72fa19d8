/** Formatting and printing of benchmark tables (terminal, and optionally appended to a Markdown file). */
import os from 'node:os';
import { promises as fs } from 'node:fs';
import { formatTable } from '../cli/table.js';

export const fmt = (x: number | null | undefined, d = 3) => (x === null || x === undefined || !Number.isFinite(x) ? 'n/a' : x.toFixed(d));
export const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

export function machineLine(backend: string): string {
  return `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, tensor backend: ${backend}`;
}

export async function report(
  suite: string,
  title: string,
  header: string[],
  rows: (string | number)[][],
  notes: string[],
  markdown?: string,
) {
  const lines = [title, '', formatTable(header, rows), ...(notes.length ? ['', ...notes] : [])];
  process.stdout.write(lines.join('\n') + '\n');
  if (markdown) {
    const md = [
      `## ${suite} — ${new Date().toISOString().slice(0, 10)}`,
      '',
      title,
      '',
      formatTable(header, rows, true),
      '',
      ...notes.map((n) => `${n}  `),
      '',
    ];
    await fs.appendFile(markdown, md.join('\n') + '\n');
  }
}
