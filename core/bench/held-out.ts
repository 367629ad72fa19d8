/**
 * The held-out evaluation of a learned hippocampus model (`labelwarp bench student`, `bench
 * supervoxel`): the model's validation subjects that were neither trained on nor used to pick its
 * checkpoint, each registered by a list of engines (and elastix), with Dice, HD95, % det J ≤ 0 and
 * registration seconds per engine, and the table and title the suites print.
 */
import path from 'node:path';
import { promises as fs } from 'node:fs';
import { readVolume } from '../volume/io.js';
import type { Volume } from '../volume/volume.js';
import { segmentScan } from '../pipeline/segment.js';
import type { SegmentMetrics } from '../pipeline/segment.js';
import { LabelWarpError } from '../util/errors.js';
import { RESOURCES, sharedDataDir } from '../cli/sample-data.js';
import { readModelCard } from '../models/model-format.js';
import type { ModelCard } from '../models/model-format.js';
import { fmt, mean, machineLine } from './report.js';
import { ensureElastix, runElastix } from './elastix.js';

/** One row of the comparison: an engine with its options, or elastix (affine + B-spline). */
export interface EngineRow {
  label: string;
  engine?: string;
  options?: Record<string, unknown>;
  elastix?: boolean;
}

/** A row's scores, one entry per scan, and where its network ran (engines that say so). */
export interface RowScores {
  dice: number[];
  hd: number[];
  fold: number[];
  s: number[];
  runtime: string;
}

export interface HeldOutSet {
  card: ModelCard;
  modelDir: string;
  /** The hippocampus data folder. */
  dir: string;
  templateImageFile: string;
  templateLabelsFile: string;
  templateImage: Volume;
  templateLabels: Volume;
  /** Subject ids (`ID_image.nii.gz`, `ID_labels.nii.gz` in `dir`). */
  scans: string[];
}

/**
 * The model's test set: validation subjects not trained on and not scored for model selection
 * (summary.json's `validationSubjects`, else the card's `validation.scoredSubjects`); the first
 * `--pairs N` of them; the template read from the hippocampus folder of `--data`.
 */
export async function heldOutSet(engine: string, modelDir: string, values: Record<string, unknown>): Promise<HeldOutSet> {
  const dir = path.join((values.data as string | undefined) ?? sharedDataDir(), 'hippocampus');
  const card = await readModelCard(modelDir, engine);
  const summary = JSON.parse(await fs.readFile(path.join(modelDir, 'summary.json'), 'utf8').catch(() => '{}')) as {
    validationSubjects?: string[];
  };
  const recorded = card.validation.scoredSubjects;
  const scored = new Set(summary.validationSubjects ?? (Array.isArray(recorded) ? (recorded as string[]) : []));
  let scans = card.subjects.validation.filter((s) => !scored.has(s) && !card.subjects.training.includes(s));
  if (scans.length === 0) throw new LabelWarpError('the model records no held-out subjects outside model selection', modelDir);
  if (values.pairs) scans = scans.slice(0, Number(values.pairs));
  const templateImageFile = path.join(dir, card.template.image.file);
  const templateLabelsFile = path.join(dir, card.template.labels?.file ?? card.template.image.file.replace('_image', '_labels'));
  return {
    card,
    modelDir,
    dir,
    templateImageFile,
    templateLabelsFile,
    templateImage: await readVolume(templateImageFile, 'image'),
    templateLabels: await readVolume(templateLabelsFile, 'labels'),
    scans,
  };
}

/**
 * The elastix row (affine + B-spline), unless `--no-elastix` or elastix cannot be installed;
 * `firstScans` below the set's size is said in its label.
 */
export function elastixRow(values: Record<string, unknown>, firstScans?: { of: number; run: number }): EngineRow | undefined {
  const version = values['no-elastix'] ? undefined : ensureElastix();
  if (!version) return undefined;
  const only = firstScans && firstScans.run < firstScans.of ? ` [first ${firstScans.run} scans]` : '';
  return { label: `elastix ${version} (affine + B-spline)${only}`, elastix: true };
}

/**
 * Every row on every scan of the set (elastix on the first `elastixScans` only); `onMetrics`
 * sees each engine's metrics (for a suite's own details). A line per scan goes to stderr.
 */
export async function evaluateRows(
  set: HeldOutSet,
  rows: EngineRow[],
  options: { elastixScans?: number; onMetrics?: (row: EngineRow, metrics: SegmentMetrics) => void } = {},
): Promise<RowScores[]> {
  const results: RowScores[] = rows.map(() => ({ dice: [], hd: [], fold: [], s: [], runtime: '' }));
  const { templateImage, templateLabels, templateImageFile, templateLabelsFile } = set;
  for (const [n, id] of set.scans.entries()) {
    const scanFile = path.join(set.dir, `${id}_image.nii.gz`);
    const scan = await readVolume(scanFile, 'image');
    const scanLabels = await readVolume(path.join(set.dir, `${id}_labels.nii.gz`), 'labels');
    for (const [i, row] of rows.entries()) {
      const r = results[i];
      if (row.elastix) {
        if (n >= (options.elastixScans ?? set.scans.length)) continue;
        const e = await runElastix(
          scanFile,
          templateImageFile,
          templateLabelsFile,
          scanLabels,
          ['affine.txt', 'bspline.txt'].map((f) => path.join(RESOURCES, 'elastix', f)),
          true,
        );
        r.dice.push(e.meanDice);
        if (e.meanHd95 !== null) r.hd.push(e.meanHd95);
        r.fold.push(e.deformation?.nonPositiveJacobianPercent ?? 0);
        r.s.push(e.seconds);
        continue;
      }
      const m = (
        await segmentScan(
          { templateImage, templateLabels, scan, scanLabels, names: { templateImage: templateImageFile } },
          { engine: row.engine!, engineOptions: row.options },
        )
      ).metrics;
      r.dice.push(m.meanDice!);
      if (m.meanHd95 !== null && m.meanHd95 !== undefined) r.hd.push(m.meanHd95);
      r.fold.push(m.nonPositiveJacobianPercent);
      r.s.push(m.registrationSeconds);
      const rt = m.details?.[`${row.engine}.runtime`];
      if (rt !== undefined) r.runtime = `${rt}/${m.details?.[`${row.engine}.device`]}`;
      options.onMetrics?.(row, m);
    }
    process.stderr.write(
      `${id}: ${rows.map((row, i) => `${row.label} ${fmt(results[i].dice[n])} ${fmt(results[i].s[n], 2)} s`).join(', ')}\n`,
    );
  }
  return results;
}

export const SCORE_HEADER = ['engine', 'Dice', 'HD95 mm', '%detJ≤0', 'reg s'];

/** One line per row: label [runtime], mean Dice, HD95, % det J ≤ 0 and registration seconds. */
export function scoreTable(rows: EngineRow[], results: RowScores[]): string[][] {
  return rows.map((row, i) => {
    const r = results[i];
    return [
      row.label + (r.runtime ? ` [${r.runtime}]` : ''),
      fmt(mean(r.dice)),
      fmt(mean(r.hd), 2),
      fmt(mean(r.fold), 3),
      fmt(mean(r.s), 2),
    ];
  });
}

/** The table's title: template, number of scans, model, date and machine. */
export function heldOutTitle(suite: string, set: HeldOutSet, backend: string): string {
  const model = path.relative(process.cwd(), set.modelDir) || set.modelDir;
  return `Benchmark ${suite}: template ${set.card.template.image.file.replace('_image.nii.gz', '')} → ${set.scans.length} hippocampus scans held out from training and model selection, model ${model}, ${new Date().toISOString().slice(0, 10)}, ${machineLine(backend)}`;
}
