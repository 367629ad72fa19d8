import path from 'node:path';
import os from 'node:os';
import { promises as fs } from 'node:fs';
import { parse } from './args.js';
import { sharedDataDir, RESOURCES } from './sample-data.js';
import { segmentFiles } from './segment-command.js';
import { formatTable } from './table.js';
import { readVolume } from '../volume/io.js';
import { ensureElastix, runElastix } from '../bench/elastix.js';
import { LabelWarpError } from '../util/errors.js';
import { initTensorBackend } from '../tensor/backend.js';

export const BENCH_HELP = `labelwarp bench — benchmark an engine against elastix on the shared real scans

Usage: labelwarp bench SUITE [--data DIR] [--no-elastix] [--pairs N] [--markdown FILE]

Suites:
  affine   template IXI012 → the 9 other IXI brains: our affine engine beside elastix
           (affine, Mattes mutual information), in one run on this machine

  --data DIR        the shared data folder (default: $LABELWARP_DATA or ../shared/data)
  --no-elastix      run our engine only
  --pairs N         only the first N pairs
  --markdown FILE   also append the table, date and machine to FILE (Markdown)
`;

interface Pair {
  name: string;
  atlasImage: string;
  atlasLabels: string;
  scan: string;
  scanLabels: string;
}

async function ixiPairs(data: string): Promise<Pair[]> {
  const dir = path.join(data, 'ixi-brain');
  let files: string[];
  try {
    files = await fs.readdir(dir);
  } catch {
    throw new LabelWarpError(`no IXI data at ${dir} (set --data or LABELWARP_DATA)`);
  }
  const subjects = files
    .filter((f) => f.endsWith('_t1.nii.gz'))
    .map((f) => f.replace('_t1.nii.gz', ''))
    .sort();
  const atlas = 'IXI012';
  if (!subjects.includes(atlas)) throw new LabelWarpError(`template ${atlas} missing from ${dir}`);
  return subjects
    .filter((s) => s !== atlas)
    .map((s) => ({
      name: `${atlas} → ${s}`,
      atlasImage: path.join(dir, `${atlas}_t1.nii.gz`),
      atlasLabels: path.join(dir, `${atlas}_labels.nii.gz`),
      scan: path.join(dir, `${s}_t1.nii.gz`),
      scanLabels: path.join(dir, `${s}_labels.nii.gz`),
    }));
}

const fmt = (x: number | null | undefined, d = 3) => (x === null || x === undefined || !Number.isFinite(x) ? 'n/a' : x.toFixed(d));
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

export async function benchCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(
    args,
    { data: { type: 'string' }, 'no-elastix': { type: 'boolean' }, pairs: { type: 'string' }, markdown: { type: 'string' } },
    true,
  );
  if (values.help || positionals.length === 0) {
    process.stdout.write(BENCH_HELP);
    return values.help ? 0 : 2;
  }
  const suite = positionals[0];
  if (suite !== 'affine') throw new LabelWarpError(`unknown benchmark suite "${suite}"; available: affine`);
  let pairs = await ixiPairs((values.data as string | undefined) ?? sharedDataDir());
  if (values.pairs) pairs = pairs.slice(0, Number(values.pairs));
  const useElastix = !values['no-elastix'];
  const elastixVersion = useElastix ? ensureElastix() : undefined;
  if (useElastix && !elastixVersion) process.stderr.write('elastix could not be installed: running our engine only\n');
  const backend = await initTensorBackend();
  const out = await fs.mkdtemp(path.join(os.tmpdir(), 'labelwarp-bench-'));
  const header = ['pair', 'Dice', 'HD95 mm', '%|J|≤0', 'SDlogJ', 's'];
  if (elastixVersion) header.push('elastix Dice', 'elastix HD95', 'elastix s');
  const rows: (string | number)[][] = [];
  const ours = { dice: [] as number[], hd: [] as number[], s: [] as number[] };
  const ref = { dice: [] as number[], hd: [] as number[], s: [] as number[] };
  for (const p of pairs) {
    const r = await segmentFiles(p, suite, {}, path.join(out, path.basename(p.scan)), { quiet: true });
    const m = r.metrics;
    ours.dice.push(m.meanDice!);
    if (m.meanHd95 !== null && m.meanHd95 !== undefined) ours.hd.push(m.meanHd95);
    ours.s.push(m.seconds);
    const row: (string | number)[] = [
      p.name,
      fmt(m.meanDice),
      fmt(m.meanHd95, 2),
      fmt(m.nonPositiveJacobianPercent, 2),
      fmt(m.sdLogJacobian, 3),
      fmt(m.seconds, 1),
    ];
    if (elastixVersion) {
      const e = await runElastix(p.scan, p.atlasImage, p.atlasLabels, await readVolume(p.scanLabels, 'labels'), [
        path.join(RESOURCES, 'elastix', 'affine.txt'),
      ]);
      ref.dice.push(e.meanDice);
      if (e.meanHd95 !== null) ref.hd.push(e.meanHd95);
      ref.s.push(e.seconds);
      row.push(fmt(e.meanDice), fmt(e.meanHd95, 2), fmt(e.seconds, 1));
    }
    rows.push(row);
    process.stderr.write(`${row.join('  ')}\n`);
  }
  const meanRow: (string | number)[] = ['mean', fmt(mean(ours.dice)), fmt(mean(ours.hd), 2), '', '', fmt(mean(ours.s), 1)];
  if (elastixVersion) meanRow.push(fmt(mean(ref.dice)), fmt(mean(ref.hd), 2), fmt(mean(ref.s), 1));
  rows.push(meanRow);
  const machine = `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, tfjs backend ${backend.description}`;
  const lines = [
    `Benchmark ${suite}: ${pairs.length} pairs, ${new Date().toISOString().slice(0, 10)}, ${machine}${elastixVersion ? `, elastix ${elastixVersion} (${os.cpus().length} threads)` : ''}`,
    '',
    formatTable(header, rows),
  ];
  if (elastixVersion) {
    lines.push(
      '',
      `mean Dice difference (ours − elastix): ${fmt(mean(ours.dice) - mean(ref.dice))}; time ratio (ours / elastix): ${fmt(mean(ours.s) / mean(ref.s), 2)}`,
    );
  }
  process.stdout.write(lines.join('\n') + '\n');
  if (values.markdown) {
    const md = [
      `## ${suite} — ${new Date().toISOString().slice(0, 10)}`,
      '',
      lines[0],
      '',
      formatTable(header, rows, true),
      '',
      ...lines.slice(3),
      '',
    ].join('\n');
    await fs.appendFile(values.markdown as string, md + '\n');
  }
  await fs.rm(out, { recursive: true, force: true });
  return 0;
}
