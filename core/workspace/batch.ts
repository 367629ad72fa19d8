/**
 * Batch label transfer: one run's engine on many scans of a workspace, one job per scan (see
 * jobs.ts). Finished scans are skipped, interrupted ones redone, jobs another live process holds
 * are left to it. Each result is committed as a whole (never replacing a finished one) with its
 * provenance record. Progress reports the overall fraction, the current scan's, and an estimate of
 * the time remaining from the scans done so far.
 */
import { promises as fs } from 'node:fs';
import { readSegmentInput, segmentScan } from '../pipeline/segment.js';
import { tensorBackendFor } from '../engines/index.js';
import { segmentResultContent, writeResultParts } from '../results/result-folder.js';
import { createFolder } from '../results/commit-folder.js';
import { CancelledError, LabelWarpError, describeError } from '../util/errors.js';
import type { Progress } from '../pipeline/progress.js';
import { PROVENANCE_FILE, dirs } from './layout.js';
import { jsonText } from './records.js';
import { buildProvenance } from './provenance.js';
import { claimJob, clearFailure, jobStatus, recordFailure, tidyJobs } from './jobs.js';
import { runEngineOptions } from './runs.js';
import type { RunRecord } from './runs.js';
import { getScan, getTemplate, scanFiles, templateFiles } from './workspace.js';
import type { Workspace } from './workspace.js';

export interface Shard {
  /** 0-based: shard K of N takes the scans at positions K, K + N, K + 2N, … of the sorted list. */
  index: number;
  count: number;
}

/** Parses "K/N" (0 ≤ K < N). */
export function parseShard(text: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || count < 1 || index >= count) throw new LabelWarpError(`--shard expects K/N with 0 ≤ K < N (e.g. 0/4), got "${text}"`);
  return { index, count };
}

export function shardOf<T>(sortedItems: T[], shard?: Shard): T[] {
  return shard ? sortedItems.filter((_, i) => i % shard.count === shard.index) : sortedItems;
}

export type ScanOutcome = 'done' | 'skipped' | 'busy' | 'failed' | 'cancelled';

export interface BatchProgress {
  run: string;
  total: number;
  /** Scans finished: skipped because done before, or done now. */
  finished: number;
  failed: number;
  /** Fraction of the whole batch, 0–1. */
  fraction: number;
  current?: { scan: string; fraction: number; stage: string; message: string };
  /** Seconds per scan so far (only scans computed in this batch count). */
  secondsPerScan?: number;
  etaSeconds?: number;
}

export interface BatchReport {
  run: string;
  done: string[];
  /** Of `done`: scans whose earlier job had been interrupted. */
  redone: string[];
  skipped: string[];
  /** Held by another live process. */
  busy: string[];
  failed: { scan: string; error: string }[];
  cancelled: boolean;
  seconds: number;
}

export interface BatchOptions {
  signal?: AbortSignal;
  onProgress?: (p: BatchProgress) => void;
  onScan?: (scan: string, outcome: ScanOutcome, detail?: string) => void;
}

export interface JobOutcome {
  outcome: ScanOutcome;
  /** Whether an earlier job for this scan had been interrupted. */
  redone: boolean;
  meanDice?: number;
  error?: string;
  /** Seconds spent computing (0 when skipped). */
  seconds: number;
}

/**
 * One job: claims (scan, run), computes the result and commits its folder with provenance, then
 * releases the claim. Skipped when the result exists, 'busy' when another live process holds it.
 * The whole of a job, used by `runBatch` and by the app's engine host (one job per message).
 */
export async function runWorkspaceJob(
  ws: Workspace,
  run: RunRecord,
  scanId: string,
  opts: { signal?: AbortSignal; onProgress?: (p: Progress) => void } = {},
): Promise<JobOutcome> {
  const before = await jobStatus(ws, run.id, scanId);
  if (before.state === 'done') return { outcome: 'skipped', redone: false, seconds: 0 };
  const claim = await claimJob(ws, run.id, scanId);
  if (!claim) {
    const now = await jobStatus(ws, run.id, scanId);
    return { outcome: now.state === 'done' ? 'skipped' : 'busy', redone: false, seconds: 0 };
  }
  const jobStarted = performance.now();
  try {
    const startedAt = new Date();
    const template = await getTemplate(ws, run.template.id);
    if (template.image.sha256 !== run.template.imageSha256 || template.labels.sha256 !== run.template.labelsSha256) {
      throw new LabelWarpError(`template "${template.id}" is not the file run ${run.id} was made with (checksums differ)`);
    }
    const tFiles = templateFiles(ws, template);
    const scan = await getScan(ws, scanId);
    const sFiles = scanFiles(ws, scan);
    // What the engine computes on with these options (no tensor backend for typed-array engines).
    const backend = await tensorBackendFor(run.engine, runEngineOptions(ws, run));
    const readStarted = performance.now();
    const input = await readSegmentInput({
      templateImage: tFiles.image,
      templateLabels: tFiles.labels,
      scan: sFiles.image,
      scanLabels: sFiles.labels,
    });
    const read = (performance.now() - readStarted) / 1000;
    const result = await segmentScan(input, {
      engine: run.engine,
      engineOptions: runEngineOptions(ws, run),
      signal: opts.signal,
      keepDisplacement: true,
      onProgress: opts.onProgress,
    });
    result.metrics.stages = { read, ...result.metrics.stages };
    const inputs = { template: `templates/${template.id}`, scan: `scans/${scan.id}` };
    const content = segmentResultContent(result, { inputs });
    await createFolder(dirs.result(ws.root, run.id, scanId), async (staging) => {
      const writeStarted = performance.now();
      const files = await writeResultParts(staging, content);
      const stages = { ...result.metrics.stages, write: (performance.now() - writeStarted) / 1000 };
      const seconds = (performance.now() - jobStarted) / 1000;
      const provenance = await buildProvenance(staging, files, {
        run,
        template,
        scan,
        metrics: { ...result.metrics, stages },
        backendDevice: backend.device,
        startedAt,
        seconds,
      });
      await fs.writeFile(`${staging}/${PROVENANCE_FILE}`, jsonText(provenance));
    });
    await clearFailure(ws, run.id, scanId);
    const redone = before.state === 'interrupted';
    return { outcome: 'done', redone, meanDice: result.metrics.meanDice, seconds: (performance.now() - jobStarted) / 1000 };
  } catch (err) {
    if (err instanceof CancelledError || opts.signal?.aborted) return { outcome: 'cancelled', redone: false, seconds: 0 };
    const error = describeError(err);
    await recordFailure(ws, run.id, scanId, error);
    return { outcome: 'failed', redone: false, error, seconds: 0 };
  } finally {
    await claim.release();
  }
}

/** Runs `run` on the scans `scanIds` of the workspace (in that order). */
export async function runBatch(ws: Workspace, run: RunRecord, scanIds: string[], opts: BatchOptions = {}): Promise<BatchReport> {
  const started = performance.now();
  await tidyJobs(ws, run.id);
  const report: BatchReport = { run: run.id, done: [], redone: [], skipped: [], busy: [], failed: [], cancelled: false, seconds: 0 };
  const total = scanIds.length;
  let computedSeconds = 0;
  const emit = (current?: BatchProgress['current']) => opts.onProgress?.(batchProgress(run.id, total, report, computedSeconds, current));
  emit();
  for (const scanId of scanIds) {
    if (opts.signal?.aborted) {
      report.cancelled = true;
      break;
    }
    const r = await runWorkspaceJob(ws, run, scanId, {
      signal: opts.signal,
      onProgress: (p) => emit({ scan: scanId, fraction: Math.min(0.99, p.fraction), stage: p.stage, message: p.message ?? '' }),
    });
    if (r.outcome === 'done') {
      computedSeconds += r.seconds;
      report.done.push(scanId);
      if (r.redone) report.redone.push(scanId);
    } else if (r.outcome === 'skipped') report.skipped.push(scanId);
    else if (r.outcome === 'busy') report.busy.push(scanId);
    else if (r.outcome === 'failed') report.failed.push({ scan: scanId, error: r.error ?? 'failed' });
    opts.onScan?.(
      scanId,
      r.outcome,
      r.outcome === 'done' ? (r.meanDice !== undefined ? `mean Dice ${r.meanDice.toFixed(3)}` : undefined) : r.error,
    );
    if (r.outcome === 'cancelled') {
      report.cancelled = true;
      break;
    }
    emit();
  }
  report.seconds = (performance.now() - started) / 1000;
  return report;
}

/**
 * Progress of a batch: the overall fraction (scans finished, failed or held elsewhere, plus the
 * current scan's fraction) and the time remaining at the mean seconds of the scans computed so far.
 */
export function batchProgress(
  run: string,
  total: number,
  report: Pick<BatchReport, 'done' | 'skipped' | 'failed' | 'busy'>,
  computedSeconds: number,
  current?: BatchProgress['current'],
): BatchProgress {
  const finished = report.done.length + report.skipped.length;
  const settled = finished + report.failed.length + report.busy.length;
  const secondsPerScan = report.done.length > 0 ? computedSeconds / report.done.length : undefined;
  const remaining = total - settled - (current?.fraction ?? 0);
  return {
    run,
    total,
    finished,
    failed: report.failed.length,
    fraction: total ? Math.min(1, (settled + (current?.fraction ?? 0)) / total) : 1,
    current,
    secondsPerScan,
    etaSeconds: secondsPerScan !== undefined ? Math.max(0, remaining * secondsPerScan) : undefined,
  };
}
