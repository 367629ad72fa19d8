import path from 'node:path';
import os from 'node:os';
import { promises as fs } from 'node:fs';
import { parse } from './args.js';
import { sharedDataDir, RESOURCES } from './sample-data.js';
import { segmentFiles } from './segment-command.js';
import { readVolume } from '../volume/io.js';
import { ensureElastix, runElastix } from '../bench/elastix.js';
import type { ElastixRun } from '../bench/elastix.js';
import { LabelWarpError } from '../util/errors.js';
import { initTensorBackend } from '../tensor/backend.js';
import type { SegmentMetrics } from '../pipeline/segment.js';
import { gnHeldOutScans, learnedBench, memoryBench } from '../bench/suites.js';
import { studentBench } from '../bench/student-suite.js';
import { supervoxelBench } from '../bench/supervoxel-suite.js';
import { getEngineDefinition, listEngines } from '../engines/index.js';
import { overheadBench } from '../bench/overhead.js';
import { fmt, mean, machineLine, report } from '../bench/report.js';
import { keyValues } from './args.js';

export const BENCH_HELP = `labelwarp bench — benchmarks on the shared real scans, printed as tables

Usage: labelwarp bench SUITE [--data DIR] [--no-elastix] [--pairs N] [--markdown FILE] [--model DIR]
                       [--set ixi|aligned|hippocampus] [--skip N] [--option key=value …]

Suites:
  ENGINE      any registered engine (labelwarp engines), e.g. affine or gn: template IXI012 → the
              9 other IXI brains, and for deformable engines also the aligned brain pair
              (subject-a → subject-b), beside elastix (affine, then B-spline for deformable
              engines; Mattes mutual information, both cores); Dice, HD95, folding, SDlogJ,
              registration seconds and whole-run seconds (ours: reading to writing; elastix:
              elastix + transformix carrying the labels). --set picks one set of pairs: ixi,
              aligned, or hippocampus (template hippocampus_001 → the test scans of
              resources/models/gn-hippocampus, or of --model); --option passes engine options,
              --model also the engine option model
  gn-learned  held-out hippocampus pairs: Gauss-Newton without the network beside the learned
              features of --model (default resources/models/gn-hippocampus)
  gn-memory   a 256×256×160 1 mm pair (the aligned brains resampled): time and peak resident memory
  overhead    a 'labelwarp segment --engine gn' process on that 1 mm pair: seconds of process start,
              reading, registration, label transfer, metrics and writing, and the wall clock
  student     held-out hippocampus scans: the student (--model, default the bundled one; plain and
              two-step; --cycle-model, --ic-model and --ablation-model DIR add rows), gn, affine,
              elastix (--elastix-pairs N: on the first N scans only); then the forward pass on
              onnxruntime against tfjs (--tfjs-large: also tfjs on the 160×192×224 grid, which
              takes very long on the pure-JavaScript backend; --inference-only: that table alone)
  cohort      batch label transfer of 100 hippocampus scans (--pairs N: N scans) into a fresh
              workspace with affine: seconds per scan end to end, peak resident memory at 10 and
              at 100 scans (flat: within 20 %)
  supervoxel  held-out hippocampus scans: supervoxel (--model, default the bundled one; --option
              sets its engine options), gn, affine, student, elastix; the supervoxel step's
              prediction, keypoint and densification seconds against gn's registration time

  --data DIR        the shared data folder (default: $LABELWARP_DATA or ../shared/data)
  --no-elastix      run our engine only
  --pairs N         only the first N pairs (after --skip N)
  --markdown FILE   also append the table, date and machine to FILE (Markdown)
`;

interface Pair {
  /** The set the pair belongs to (means are taken per set). */
  set: string;
  name: string;
  templateImage: string;
  templateLabels: string;
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
  const template = 'IXI012';
  if (!subjects.includes(template)) throw new LabelWarpError(`template ${template} missing from ${dir}`);
  return subjects
    .filter((s) => s !== template)
    .map((s) => ({
      set: 'IXI',
      name: `${template} → ${s}`,
      templateImage: path.join(dir, `${template}_t1.nii.gz`),
      templateLabels: path.join(dir, `${template}_labels.nii.gz`),
      scan: path.join(dir, `${s}_t1.nii.gz`),
      scanLabels: path.join(dir, `${s}_labels.nii.gz`),
    }));
}

function alignedPair(data: string): Pair {
  const dir = path.join(data, 'aligned-brain-pair');
  return {
    set: 'aligned',
    name: 'subject-a → subject-b',
    templateImage: path.join(dir, 'subject-a_t1.nii.gz'),
    templateLabels: path.join(dir, 'subject-a_labels.nii.gz'),
    scan: path.join(dir, 'subject-b_t1.nii.gz'),
    scanLabels: path.join(dir, 'subject-b_labels.nii.gz'),
  };
}

/** Template hippocampus_001 → the test scans of a gn hippocampus model (never trained on nor used for selection). */
async function hippocampusPairs(data: string, modelDir: string): Promise<Pair[]> {
  const dir = path.join(data, 'hippocampus');
  const held = await gnHeldOutScans(modelDir);
  const template = held.templateImage.replace('_image.nii.gz', '');
  return held.scans.map((s) => ({
    set: 'hippocampus',
    name: `${template} → ${s}`,
    templateImage: path.join(dir, held.templateImage),
    templateLabels: path.join(dir, held.templateLabels),
    scan: path.join(dir, `${s}_image.nii.gz`),
    scanLabels: path.join(dir, `${s}_labels.nii.gz`),
  }));
}

async function benchPairs(set: string | undefined, data: string, deformable: boolean, model: string | undefined): Promise<Pair[]> {
  switch (set) {
    case undefined:
      return deformable ? [...(await ixiPairs(data)), alignedPair(data)] : ixiPairs(data);
    case 'ixi':
      return ixiPairs(data);
    case 'aligned':
      return [alignedPair(data)];
    case 'hippocampus':
      return hippocampusPairs(data, model ?? path.join(RESOURCES, 'models', 'gn-hippocampus'));
    default:
      throw new LabelWarpError(`unknown --set "${set}"; available: ixi, aligned, hippocampus`);
  }
}

interface Column {
  dice: number[];
  hd: number[];
  fold: number[];
  sd: number[];
  s: number[];
  whole: number[];
}
const column = (): Column => ({ dice: [], hd: [], fold: [], sd: [], s: [], whole: [] });

/** Any registered engine on the IXI pairs (deformable ones also on the aligned pair) beside elastix. */
async function registrationBench(suite: string, values: Record<string, unknown>): Promise<number> {
  const deformable = getEngineDefinition(suite).deformable;
  const data = (values.data as string | undefined) ?? sharedDataDir();
  let pairs = await benchPairs(values.set as string | undefined, data, deformable, values.model as string | undefined);
  if (values.skip) pairs = pairs.slice(Number(values.skip));
  if (values.pairs) pairs = pairs.slice(0, Number(values.pairs));
  const engineOptions: Record<string, unknown> = keyValues(values.option);
  if (values.model) engineOptions.model = values.model;
  const useElastix = !values['no-elastix'];
  const elastixVersion = useElastix ? ensureElastix() : undefined;
  if (useElastix && !elastixVersion) process.stderr.write('elastix could not be installed: running our engine only\n');
  const params = deformable ? ['affine.txt', 'bspline.txt'] : ['affine.txt'];
  const backend = await initTensorBackend();
  const out = await fs.mkdtemp(path.join(os.tmpdir(), 'labelwarp-bench-'));
  const header = ['pair', 'Dice', 'HD95 mm', '%detJ≤0', 'SDlogJ', 'reg s', 'whole s'];
  if (elastixVersion) header.push('elastix Dice', 'HD95 mm', '%detJ≤0', 'SDlogJ', 'reg s', 'whole s');
  const rows: (string | number)[][] = [];
  const ours = column();
  const ref = column();
  const push = (c: Column, dice: number, hd: number | null | undefined, fold: number, sd: number, s: number, whole: number) => {
    c.dice.push(dice);
    c.hd.push(hd ?? NaN);
    c.fold.push(fold);
    c.sd.push(sd);
    c.s.push(s);
    c.whole.push(whole);
  };
  const cells = (c: Column, i: number) => [
    fmt(c.dice[i]),
    fmt(c.hd[i], 2),
    fmt(c.fold[i], 2),
    fmt(c.sd[i], 3),
    fmt(c.s[i], 1),
    fmt(c.whole[i], 1),
  ];
  try {
    for (const p of pairs) {
      const t0 = performance.now();
      const r = await segmentFiles(p, suite, engineOptions, path.join(out, path.basename(p.scan)), { quiet: true });
      const whole = (performance.now() - t0) / 1000;
      const m: SegmentMetrics = r.metrics;
      push(ours, m.meanDice!, m.meanHd95, m.nonPositiveJacobianPercent, m.sdLogJacobian, m.registrationSeconds, whole);
      const row: (string | number)[] = [p.name, ...cells(ours, ours.dice.length - 1)];
      if (elastixVersion) {
        const e: ElastixRun = await runElastix(
          p.scan,
          p.templateImage,
          p.templateLabels,
          await readVolume(p.scanLabels, 'labels'),
          params.map((f) => path.join(RESOURCES, 'elastix', f)),
          deformable,
        );
        const d = e.deformation;
        push(ref, e.meanDice, e.meanHd95, d?.nonPositiveJacobianPercent ?? 0, d?.sdLogJacobian ?? 0, e.seconds, e.wholeSeconds);
        row.push(...cells(ref, ref.dice.length - 1));
      }
      rows.push(row);
      process.stderr.write(`${row.join('  ')}\n`);
    }
  } finally {
    await fs.rm(out, { recursive: true, force: true });
  }
  const meanCells = (c: Column, idx: number[]) => {
    const at = (xs: number[]) => idx.map((i) => xs[i]).filter((x) => Number.isFinite(x));
    return [
      fmt(mean(at(c.dice))),
      fmt(mean(at(c.hd)), 2),
      fmt(Math.max(...at(c.fold)), 2) + ' max',
      fmt(mean(at(c.sd)), 3),
      fmt(mean(at(c.s)), 1),
      fmt(mean(at(c.whole)), 1),
    ];
  };
  const notes = [
    `reg s: registration only (ours: reading excluded, engine ${suite}${
      Object.keys(engineOptions).length
        ? ` with ${Object.entries(engineOptions)
            .map(([k, v]) => `${k}=${String(v)}`)
            .join(' ')}`
        : ''
    }; elastix: the elastix call, ${os.cpus().length} threads); whole s: ours from reading the inputs to writing the result folder (labels, warped template, field, Jacobian, metrics), elastix the elastix and transformix (labels) calls; Dice and HD95 by the same code for both.`,
  ];
  for (const set of [...new Set(pairs.map((p) => p.set))]) {
    const idx = pairs.flatMap((p, i) => (p.set === set ? [i] : []));
    if (idx.length > 1)
      rows.push([`mean of ${idx.length} ${set} pairs`, ...meanCells(ours, idx), ...(elastixVersion ? meanCells(ref, idx) : [])]);
    const m = (c: Column, key: 'dice' | 's' | 'whole') => mean(idx.map((i) => c[key][i]));
    // Four decimals where an acceptance line is a threshold on the mean.
    if (!elastixVersion) {
      notes.push(`${set}: mean Dice ${fmt(m(ours, 'dice'), 4)}`);
      continue;
    }
    const ratio = m(ours, 's') / m(ref, 's');
    notes.push(
      `${set}: mean Dice ours ${fmt(m(ours, 'dice'), 4)}, elastix ${fmt(m(ref, 'dice'), 4)}, difference (ours − elastix) ${fmt(m(ours, 'dice') - m(ref, 'dice'), 4)}; registration time ratio (ours / elastix) ${fmt(ratio, 3)} (1/${fmt(1 / ratio, 1)}); our whole run / elastix registration ${fmt(m(ours, 'whole') / m(ref, 's'), 3)}; whole runs (ours / elastix + transformix) ${fmt(m(ours, 'whole') / m(ref, 'whole'), 3)}`,
    );
  }
  const title = `Benchmark ${suite}: ${pairs.length} pairs, ${new Date().toISOString().slice(0, 10)}, ${machineLine(backend.description)}${elastixVersion ? `, elastix ${elastixVersion}` : ''}`;
  await report(suite, title, header, rows, notes, values.markdown as string | undefined);
  return 0;
}

/** The suites beside the engines' own (`labelwarp bench ENGINE`), by name. */
const SUITES: Record<string, (values: Record<string, unknown>) => Promise<number>> = {
  'gn-learned': learnedBench,
  'gn-memory': memoryBench,
  overhead: overheadBench,
  student: studentBench,
  cohort: async (values) => (await import('../bench/cohort-suite.js')).cohortBench(values),
  supervoxel: supervoxelBench,
};

export async function benchCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(
    args,
    {
      data: { type: 'string' },
      'no-elastix': { type: 'boolean' },
      pairs: { type: 'string' },
      markdown: { type: 'string' },
      model: { type: 'string' },
      'cycle-model': { type: 'string' },
      'ablation-model': { type: 'string' },
      'ic-model': { type: 'string' },
      'elastix-pairs': { type: 'string' },
      'inference-only': { type: 'boolean' },
      'tfjs-large': { type: 'boolean' },
      set: { type: 'string' },
      skip: { type: 'string' },
      option: { type: 'string', multiple: true },
    },
    true,
  );
  if (values.help || positionals.length === 0) {
    process.stdout.write(BENCH_HELP);
    return values.help ? 0 : 2;
  }
  const suite = positionals[0];
  if (Object.hasOwn(SUITES, suite)) return SUITES[suite](values);
  if (!listEngines().some((e) => e.name === suite))
    throw new LabelWarpError(
      `unknown benchmark suite "${suite}"; available: ${[...new Set([...listEngines().map((e) => e.name), ...Object.keys(SUITES)])].join(', ')}`,
    );
  return registrationBench(suite, values);
}
