/** Plain-text tables for the terminal and Markdown files. */
export function formatTable(header: string[], rows: (string | number)[][], markdown = false): string {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, c) => Math.max(...cells.map((r) => (r[c] ?? '').length)));
  const line = (r: string[]) =>
    markdown ? `| ${r.map((x, c) => x.padEnd(widths[c])).join(' | ')} |` : r.map((x, c) => x.padEnd(widths[c])).join('  ');
  const sep = markdown ? `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |` : widths.map((w) => '-'.repeat(w)).join('  ');
  return [line(cells[0]), sep, ...cells.slice(1).map(line)].join('\n');
}
