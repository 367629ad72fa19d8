/** The learned-mode and memory benchmarks of `labelwarp bench`. */
import path from 'node:path';
import os from 'node:os';
import { promises as fs } from 'node:fs';
import { readVolume } from '../volume/io.js';
import { segmentScan } from '../pipeline/segment.js';
import { initTensorBackend } from '../tensor/backend.js';
import { LabelWarpError } from '../util/errors.js';
import { RESOURCES, sharedDataDir } from '../cli/sample-data.js';
import { fmt, mean, machineLine, report } from './report.js';
import { readModelCard } from '../models/model-format.js';
import { getEngineDefinition, engineOptions } from '../engines/index.js';
import { runMemory } from '../engines/memory.js';
import { segmentMemory } from '../pipeline/segment-memory.js';
import type { GnModelConfig } from '../engines/gn/model.js';
import { brainPair1mm } from './brain-pair-1mm.js';

/**
 * Subjects a gn model was never trained on, less those used to pick its checkpoint when at least
 * five remain (the test set of the model).
 */
function heldOutSubjects(held: string[], scoredList: string[] | undefined, modelDir: string): string[] {
  if (held.length === 0) throw new LabelWarpError('the model records no held-out subjects', modelDir);
  const scored = new Set(scoredList ?? []);
  const test = held.filter((s) => !scored.has(s));
  return test.length < 5 ? held : test;
}

/** The template and test scans of a gn hippocampus model (default the bundled one), as file names in `dir`. */
export async function gnHeldOutScans(modelDir: string): Promise<{ templateImage: string; templateLabels: string; scans: string[] }> {
  const card = await readModelCard(modelDir, 'gn');
  const summary = JSON.parse(await fs.readFile(path.join(modelDir, 'summary.json'), 'utf8').catch(() => '{}')) as {
    validationSubjects?: string[];
  };
  const templateImage = card.template.image.file;
  return {
    templateImage,
    templateLabels: card.template.labels?.file ?? templateImage.replace('_image', '_labels'),
    scans: heldOutSubjects(card.subjects.validation, summary.validationSubjects, modelDir),
  };
}

/** Gauss-Newton without the network (MIND-SSC and intensity) beside the learned features, on held-out hippocampus pairs. */
export async function learnedBench(values: Record<string, unknown>): Promise<number> {
  const modelDir = (values.model as string | undefined) ?? path.join(RESOURCES, 'models', 'gn-hippocampus');
  const dir = path.join((values.data as string | undefined) ?? sharedDataDir(), 'hippocampus');
  const card = await readModelCard(modelDir, 'gn');
  const { mind } = card.config as unknown as GnModelConfig;
  const summary = JSON.parse(await fs.readFile(path.join(modelDir, 'summary.json'), 'utf8').catch(() => '{}')) as {
    validationSubjects?: string[];
  };
  let test = heldOutSubjects(card.subjects.validation, summary.validationSubjects, modelDir);
  if (values.pairs) test = test.slice(0, Number(values.pairs));
  const templateName = card.template.image.file;
  const templateLabelsName = card.template.labels?.file ?? templateName.replace('_image', '_labels');
  const backend = await initTensorBackend();
  const templateImage = await readVolume(path.join(dir, templateName), 'image');
  const templateLabels = await readVolume(path.join(dir, templateLabelsName), 'labels');
  const rows: (string | number)[][] = [];
  type Scores = { dice: number[]; hd95: number[]; fold: number[]; sdLogJ: number[]; seconds: number[] };
  // MIND-SSC with the settings the network was trained beside (so the difference is the network's
  // contribution alone), the engine's defaults, and the learned features.
  const runs: { name: string; options: Record<string, unknown>; scores: Scores }[] = [
    { name: 'MIND', options: { mindRadius: mind.radius, mindDilation: mind.dilation } },
    { name: 'gn default', options: {} },
    { name: 'learned', options: { model: modelDir } },
  ].map((r) => ({ ...r, scores: { dice: [], hd95: [], fold: [], sdLogJ: [], seconds: [] } }));
  const [base, , learned] = runs.map((r) => r.scores);
  const metrics: [keyof Scores, string, number][] = [
    ['dice', 'Dice', 3],
    ['hd95', 'HD95', 2],
    ['fold', '%detJ≤0', 2],
    ['sdLogJ', 'SD logJ', 3],
  ];
  const row = (name: string, at: (xs: number[]) => number) => [
    name,
    ...metrics.flatMap(([key, , digits]) => runs.map((r) => fmt(at(r.scores[key]), digits))),
    fmt(at(learned.dice) - at(base.dice)),
  ];
  const last = (xs: number[]) => xs[xs.length - 1];
  for (const id of test) {
    const scan = await readVolume(path.join(dir, `${id}_image.nii.gz`), 'image');
    const scanLabels = await readVolume(path.join(dir, `${id}_labels.nii.gz`), 'labels');
    const input = { templateImage, templateLabels, scan, scanLabels };
    for (const r of runs) {
      const m = (await segmentScan(input, { engine: 'gn', engineOptions: r.options })).metrics;
      r.scores.dice.push(m.meanDice ?? NaN);
      r.scores.hd95.push(m.meanHd95 ?? NaN);
      r.scores.fold.push(m.nonPositiveJacobianPercent);
      r.scores.sdLogJ.push(m.sdLogJacobian);
      r.scores.seconds.push(m.registrationSeconds);
    }
    rows.push(row(id, last));
    process.stderr.write(`${rows[rows.length - 1].join('  ')}\n`);
  }
  rows.push(row(`mean of ${test.length}`, mean));
  const better = learned.dice.filter((x, i) => x > base.dice[i]).length;
  await report(
    'gn-learned',
    `Benchmark gn-learned: template ${templateName.replace('_image.nii.gz', '')} → ${test.length} held-out hippocampus scans, model ${path.relative(process.cwd(), modelDir) || modelDir}, ${new Date().toISOString().slice(0, 10)}, ${machineLine(backend.description)}`,
    ['scan', ...metrics.flatMap(([, label]) => runs.map((r) => `${label} ${r.name}`)), 'Dice learned − MIND'],
    rows,
    [
      `MIND: MIND-SSC radius ${mind.radius}, dilation ${mind.dilation} (the features the network was trained beside); gn default: the engine's defaults (MIND-SSC dilation 2); all three with the engine's default levels, λ, fold-aware steps and intensity channel (intensityWeight)`,
      `learned better than MIND on ${better} of ${test.length} pairs; held-out scans: never trained on and not used to pick the checkpoint; HD95 in mm`,
      `mean registration seconds: ${runs.map((r) => `${r.name} ${fmt(mean(r.scores.seconds), 2)}`).join(', ')}`,
    ],
    values.markdown as string | undefined,
  );
  return 0;
}

/** Registers a 256×256×160 pair at 1 mm (the aligned brains resampled) and reports peak memory. */
export async function memoryBench(values: Record<string, unknown>): Promise<number> {
  const backend = await initTensorBackend();
  const input = await brainPair1mm(values.data as string | undefined);
  const ga = input.templateImage;
  const gn = getEngineDefinition('gn');
  const estimate = runMemory(gn, engineOptions(gn, {}), { fixed: input.scan, moving: input.templateImage }, segmentMemory(input.scan));
  const before = process.memoryUsage().rss;
  let peakSampled = before;
  const timer = setInterval(() => (peakSampled = Math.max(peakSampled, process.memoryUsage().rss)), 50);
  const r = await segmentScan(input, { engine: 'gn' });
  clearInterval(timer);
  const maxRss = process.resourceUsage().maxRSS * 1024;
  const gib = (x: number) => `${(x / 2 ** 30).toFixed(2)} GiB`;
  const rows = [
    [
      `${ga.dims.join('×')} @ 1 mm`,
      fmt(r.metrics.meanDice),
      fmt(r.metrics.nonPositiveJacobianPercent, 2),
      fmt(r.metrics.registrationSeconds, 1),
      gib(before),
      gib(Math.max(maxRss, peakSampled)),
      gib(estimate),
    ],
  ];
  await report(
    'gn-memory',
    `Benchmark gn-memory: aligned brain pair resampled to 256×256×160, ${new Date().toISOString().slice(0, 10)}, ${machineLine(backend.description)}, ${os.cpus().length} cores`,
    ['grid', 'Dice', '%detJ≤0', 'registration s', 'RSS before', 'peak RSS (process)', 'estimate before the run'],
    rows,
    [
      'peak RSS: the process maximum resident set size (getrusage), covering reading, resampling, registration and metrics.',
      'estimate: what segment checks against the machine before starting (core/engines/memory.ts).',
    ],
    values.markdown as string | undefined,
  );
  return 0;
}
