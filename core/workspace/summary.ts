/**
 * The cohort summary, read from the result folders: per run, a table of scans × labels (Dice,
 * HD95, volumes beside reference volumes), the per-label Dice distribution, per-scan mean Dice
 * and outliers (low Dice, poor pre-alignment, folding); and for every two runs on the same template
 * and scans (engines or models), per-label Dice side by side with their paired differences and the
 * time each took. One module for the CLI and the app; CSV export here too.
 */
import path from 'node:path';
import { readRecordIfPresent } from './records.js';
import { listRuns, readProvenance, runResults } from './runs.js';
import type { RunRecord } from './runs.js';
import { jobStatus } from './jobs.js';
import type { JobState } from './jobs.js';
import { getTemplate, listScans } from './workspace.js';
import type { Workspace } from './workspace.js';
import type { SegmentMetrics } from '../pipeline/segment.js';

export interface LabelRow {
  label: number;
  dice?: number;
  hd95?: number | null;
  volumeMl: number;
  referenceVolumeMl?: number;
}

export interface ResultRow {
  run: string;
  scan: string;
  scanName: string;
  meanDice?: number;
  meanHd95?: number | null;
  /** End-to-end seconds of the job (reading, registration, label transfer, metrics, writing). */
  seconds: number;
  registrationSeconds: number;
  nonPositiveJacobianPercent: number;
  sdLogJacobian: number;
  /** Similarity after the affine (pre-)alignment, when the engine reports one. */
  alignmentNcc?: number;
  labels: LabelRow[];
  finishedAt: string;
  warnings: string[];
  /** Why this result stands out (empty when it does not). */
  outlier: string[];
}

export interface Distribution {
  n: number;
  mean: number;
  sd: number;
  min: number;
  q1: number;
  median: number;
  q3: number;
  max: number;
}

export interface RunSummary {
  run: RunRecord;
  rows: ResultRow[];
  labels: number[];
  /** The template's names of the labels (from its table), by label value; empty where it has none. */
  labelNames: Record<string, string>;
  /** Dice distribution per label across scans (only labels with reference labels). */
  dice: { label: number; distribution: Distribution }[];
  meanDice?: number;
  secondsPerScan: number;
  /** Jobs not done, by state (scans of the workspace without a result in this run are pending). */
  states: Partial<Record<JobState, string[]>>;
}

export interface Comparison {
  a: string;
  b: string;
  engines: [string, string];
  /** Scans with a result (and reference labels) in both runs. */
  scans: string[];
  perLabel: { label: number; meanA: number; meanB: number; meanDifference: number; sdDifference: number; bBetter: number; n: number }[];
  meanDice: { a: number; b: number; meanDifference: number; sdDifference: number };
  secondsPerScan: { a: number; b: number };
}

export interface CohortSummary {
  runs: RunSummary[];
  comparisons: Comparison[];
}

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

export function distribution(values: number[]): Distribution {
  const s = [...values].sort((a, b) => a - b);
  const n = s.length;
  const mean = s.reduce((a, b) => a + b, 0) / Math.max(1, n);
  const sd = n > 1 ? Math.sqrt(s.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : 0;
  return { n, mean, sd, min: s[0] ?? NaN, q1: quantile(s, 0.25), median: quantile(s, 0.5), q3: quantile(s, 0.75), max: s[n - 1] ?? NaN };
}

/** Below Tukey's lower fence (Q1 − 1.5 IQR) of `values`; nothing with fewer than 4 values. */
function lowFence(values: number[]): number {
  if (values.length < 4) return -Infinity;
  const d = distribution(values);
  return d.q1 - 1.5 * (d.q3 - d.q1);
}

/** Percent of voxels with det J ≤ 0 above which a result is flagged for folding. */
export const FOLDING_PERCENT = 0.5;

type StoredMetrics = SegmentMetrics & { details?: Record<string, number | string> };

async function readRow(dir: string, run: string, scan: string, names: Map<string, string>): Promise<ResultRow | undefined> {
  const metrics = await readRecordIfPresent<StoredMetrics>(path.join(dir, 'metrics.json'), 'result metrics').catch(() => undefined);
  const prov = await readProvenance(dir).catch(() => undefined);
  if (!metrics) return undefined;
  const dice = new Map((metrics.labels ?? []).map((l) => [l.label, l]));
  const volumes = metrics.volumes ?? [];
  const labelIds = [...new Set([...volumes.map((v) => v.label), ...dice.keys()])].sort((a, b) => a - b);
  const nccKey = Object.keys(metrics.details ?? {}).find((k) => /(^|\.)ncc$/.test(k));
  const ncc = nccKey ? Number(metrics.details![nccKey]) : undefined;
  return {
    run,
    scan,
    scanName: names.get(scan) ?? prov?.scan.name ?? scan,
    meanDice: metrics.meanDice,
    meanHd95: metrics.meanHd95,
    seconds: prov?.timings.seconds ?? metrics.seconds,
    registrationSeconds: metrics.registrationSeconds,
    nonPositiveJacobianPercent: metrics.nonPositiveJacobianPercent,
    sdLogJacobian: metrics.sdLogJacobian,
    alignmentNcc: Number.isFinite(ncc) ? ncc : undefined,
    labels: labelIds.map((label) => {
      const v = volumes.find((x) => x.label === label);
      const d = dice.get(label);
      const row: LabelRow = { label, volumeMl: v?.volumeMl ?? 0 };
      if (v?.referenceVolumeMl !== undefined) row.referenceVolumeMl = v.referenceVolumeMl;
      if (d) {
        row.dice = d.dice;
        row.hd95 = d.hd95;
      }
      return row;
    }),
    finishedAt: prov?.timings.finishedAt ?? '',
    warnings: metrics.warnings ?? [],
    outlier: [],
  };
}

function flagOutliers(rows: ResultRow[]): void {
  const diceFence = lowFence(rows.flatMap((r) => (r.meanDice !== undefined ? [r.meanDice] : [])));
  const nccFence = lowFence(rows.flatMap((r) => (r.alignmentNcc !== undefined ? [r.alignmentNcc] : [])));
  for (const r of rows) {
    if (r.meanDice !== undefined && r.meanDice < diceFence) r.outlier.push(`low Dice (${r.meanDice.toFixed(3)})`);
    if (r.alignmentNcc !== undefined && r.alignmentNcc < nccFence) r.outlier.push(`poor pre-alignment (NCC ${r.alignmentNcc.toFixed(2)})`);
    if (r.nonPositiveJacobianPercent > FOLDING_PERCENT) r.outlier.push(`folding (${r.nonPositiveJacobianPercent.toFixed(2)} % det J ≤ 0)`);
  }
}

export async function summarizeRun(ws: Workspace, run: RunRecord, scanNames?: Map<string, string>): Promise<RunSummary> {
  const scans = await listScans(ws);
  const names = scanNames ?? new Map(scans.map((s) => [s.id, s.name]));
  const rows: ResultRow[] = [];
  for (const ref of await runResults(ws, run.id)) {
    const row = await readRow(ref.dir, run.id, ref.scan, names);
    if (row) rows.push(row);
  }
  flagOutliers(rows);
  const labels = [...new Set(rows.flatMap((r) => r.labels.map((l) => l.label)))].sort((a, b) => a - b);
  const dice = labels
    .map((label) => ({
      label,
      values: rows.flatMap((r) => r.labels.filter((l) => l.label === label && l.dice !== undefined).map((l) => l.dice!)),
    }))
    .filter((x) => x.values.length > 0)
    .map((x) => ({ label: x.label, distribution: distribution(x.values) }));
  const means = rows.flatMap((r) => (r.meanDice !== undefined ? [r.meanDice] : []));
  const states: RunSummary['states'] = {};
  const done = new Set(rows.map((r) => r.scan));
  for (const s of scans) {
    if (done.has(s.id)) continue;
    const st = await jobStatus(ws, run.id, s.id);
    (states[st.state] ??= []).push(s.id);
  }
  const template = await getTemplate(ws, run.template.id).catch(() => undefined);
  const labelNames = Object.fromEntries((template?.table ?? []).map((e) => [String(e.label), e.name]));
  return {
    run,
    rows,
    labels,
    labelNames,
    dice,
    meanDice: means.length ? distribution(means).mean : undefined,
    secondsPerScan: rows.length ? rows.reduce((a, r) => a + r.seconds, 0) / rows.length : 0,
    states,
  };
}

export function compareRuns(a: RunSummary, b: RunSummary): Comparison | undefined {
  const rowsB = new Map(b.rows.filter((r) => r.meanDice !== undefined).map((r) => [r.scan, r]));
  const pairs = a.rows.filter((r) => r.meanDice !== undefined && rowsB.has(r.scan)).map((r) => [r, rowsB.get(r.scan)!] as const);
  if (pairs.length === 0) return undefined;
  const labels = [...new Set([...a.labels, ...b.labels])].sort((x, y) => x - y);
  const perLabel: Comparison['perLabel'] = [];
  for (const label of labels) {
    const diffs: number[] = [];
    const va: number[] = [];
    const vb: number[] = [];
    for (const [ra, rb] of pairs) {
      const da = ra.labels.find((l) => l.label === label)?.dice;
      const db = rb.labels.find((l) => l.label === label)?.dice;
      if (da === undefined || db === undefined) continue;
      va.push(da);
      vb.push(db);
      diffs.push(db - da);
    }
    if (diffs.length === 0) continue;
    const d = distribution(diffs);
    perLabel.push({
      label,
      meanA: distribution(va).mean,
      meanB: distribution(vb).mean,
      meanDifference: d.mean,
      sdDifference: d.sd,
      bBetter: diffs.filter((x) => x > 0).length,
      n: diffs.length,
    });
  }
  const dMean = distribution(pairs.map(([ra, rb]) => rb.meanDice! - ra.meanDice!));
  return {
    a: a.run.id,
    b: b.run.id,
    engines: [a.run.engine, b.run.engine],
    scans: pairs.map(([r]) => r.scan),
    perLabel,
    meanDice: {
      a: distribution(pairs.map(([r]) => r.meanDice!)).mean,
      b: distribution(pairs.map(([, r]) => r.meanDice!)).mean,
      meanDifference: dMean.mean,
      sdDifference: dMean.sd,
    },
    secondsPerScan: {
      a: distribution(pairs.map(([r]) => r.seconds)).mean,
      b: distribution(pairs.map(([, r]) => r.seconds)).mean,
    },
  };
}

/** The summary of the given runs (default: all), with a comparison for every two on one template. */
export async function summarizeWorkspace(ws: Workspace, runIds?: string[]): Promise<CohortSummary> {
  const all = await listRuns(ws);
  const chosen = runIds ? all.filter((r) => runIds.includes(r.id)) : all;
  const names = new Map((await listScans(ws)).map((s) => [s.id, s.name]));
  const runs: RunSummary[] = [];
  for (const r of chosen) runs.push(await summarizeRun(ws, r, names));
  const comparisons: Comparison[] = [];
  for (let i = 0; i < runs.length; i++)
    for (let j = i + 1; j < runs.length; j++) {
      if (runs[i].run.template.imageSha256 !== runs[j].run.template.imageSha256) continue;
      const c = compareRuns(runs[i], runs[j]);
      if (c) comparisons.push(c);
    }
  return { runs, comparisons };
}

const csvCell = (v: unknown) => {
  if (v === undefined || v === null || (typeof v === 'number' && !Number.isFinite(v))) return '';
  const s = typeof v === 'number' ? String(Number(v.toPrecision(6))) : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

export const CSV_HEADER = [
  'run',
  'engine',
  'template',
  'model',
  'scan',
  'scan_name',
  'label',
  'label_name',
  'dice',
  'hd95_mm',
  'volume_ml',
  'reference_volume_ml',
  'scan_mean_dice',
  'seconds',
  'nonpositive_jacobian_percent',
  'outlier',
];

/** One row per result and label (long format: opens in any spreadsheet or data-frame library). */
export function summaryCsv(summary: CohortSummary): string {
  const lines = [CSV_HEADER.join(',')];
  for (const rs of summary.runs)
    for (const r of rs.rows)
      for (const l of r.labels) {
        lines.push(
          [
            rs.run.id,
            rs.run.engine,
            rs.run.template.name,
            rs.run.model?.id ?? '',
            r.scan,
            r.scanName,
            l.label,
            rs.labelNames[String(l.label)] ?? '',
            l.dice,
            l.hd95,
            l.volumeMl,
            l.referenceVolumeMl,
            r.meanDice,
            r.seconds,
            r.nonPositiveJacobianPercent,
            r.outlier.join('; '),
          ]
            .map(csvCell)
            .join(','),
        );
      }
  return lines.join('\n') + '\n';
}

export interface HistoryEntry {
  run: string;
  engine: string;
  options: Record<string, unknown>;
  template: string;
  model: string | null;
  finishedAt: string;
  meanDice?: number;
  seconds: number;
}

/** Every result of one scan, newest first: its run's template, engine, options, model, date and mean Dice. */
export async function scanHistory(ws: Workspace, scanId: string): Promise<HistoryEntry[]> {
  const out: HistoryEntry[] = [];
  const names = new Map<string, string>();
  for (const run of await listRuns(ws)) {
    const dir = path.join(ws.root, 'runs', run.id, `sub-${scanId}`);
    const row = await readRow(dir, run.id, scanId, names);
    if (!row) continue;
    out.push({
      run: run.id,
      engine: run.engine,
      options: run.options,
      template: run.template.name,
      model: run.model?.id ?? null,
      finishedAt: row.finishedAt,
      meanDice: row.meanDice,
      seconds: row.seconds,
    });
  }
  return out.sort((a, b) => b.finishedAt.localeCompare(a.finishedAt));
}
