import path from 'node:path';
import os from 'node:os';
import { promises as fs } from 'node:fs';
import { parse } from './args.js';
import { SAMPLE } from './sample-data.js';
import { segmentFiles } from './segment-command.js';
import { formatTable } from './table.js';

export const DEMO_HELP = `labelwarp demo — segment the bundled sample scans with the bundled template

Usage: labelwarp demo [--engine NAME] [--out DIR] [--quiet]

Registers the sample template (IXI012) to two sample scans (IXI014, IXI015), carries its 148
labels onto them, scores them against their own labels and prints a table. Runs offline.
Outputs go to DIR (default: a new temporary folder). Data: ${SAMPLE.credit}.
`;

export async function demoCommand(args: string[]): Promise<number> {
  const { values } = parse(args, { engine: { type: 'string', default: 'affine' }, out: { type: 'string' }, quiet: { type: 'boolean' } });
  if (values.help) {
    process.stdout.write(DEMO_HELP);
    return 0;
  }
  const out = (values.out as string | undefined) ?? (await fs.mkdtemp(path.join(os.tmpdir(), 'labelwarp-demo-')));
  const engine = values.engine as string;
  const rows: (string | number)[][] = [];
  let backend = '';
  const started = performance.now();
  for (const scan of SAMPLE.scans) {
    const r = await segmentFiles(
      { templateImage: SAMPLE.templateImage, templateLabels: SAMPLE.templateLabels, scan: scan.image, scanLabels: scan.labels },
      engine,
      {},
      path.join(out, scan.id),
      { quiet: Boolean(values.quiet), label: `IXI012 → ${scan.id}` },
    );
    const m = r.metrics;
    backend = m.backend;
    rows.push([
      `IXI012 → ${scan.id}`,
      m.engine,
      m.labels?.length ?? 0,
      m.meanDice!.toFixed(3),
      m.meanHd95?.toFixed(2) ?? 'n/a',
      m.seconds.toFixed(1),
    ]);
  }
  process.stdout.write(`\n${formatTable(['pair', 'engine', 'labels', 'mean Dice', 'mean HD95 (mm)', 'seconds'], rows)}\n`);
  process.stdout.write(
    `\ntensor backend: ${backend}; outputs in ${out}\ntotal ${((performance.now() - started) / 1000).toFixed(1)} s. Sample data: ${SAMPLE.credit}\n`,
  );
  return 0;
}
