/**
 * The workspace service (core/ipc/services/workspace.ts): a cohort workspace on disk
 * (core/workspace). Batch runs go to the engine host one job per scan; the host claims each job
 * in the workspace, so a host that dies leaves its job marked interrupted on disk, and `resume`
 * (or `labelwarp cohort run`) redoes it. Which result is shown per scan is kept in memory.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { LabelWarpError, describeError } from '../../core/util/errors.js';
import { labelTableBeside } from '../../core/labels/label-table-file.js';
import { getEngineDefinition, engineOptions } from '../../core/engines/index.js';
import {
  openWorkspace,
  importScan,
  importTemplate,
  listScans,
  listTemplates,
  renameItem,
  removeItem,
  getScan,
  scanFiles,
} from '../../core/workspace/workspace.js';
import { dirs } from '../../core/workspace/layout.js';
import { readResultMetrics } from '../../core/results/result-folder.js';
import { assessQuality } from '../../core/quality/quality.js';
import type { QualityInput } from '../../core/quality/quality.js';
import type { Workspace } from '../../core/workspace/workspace.js';
import { defineRun, getRun, listRuns, removeResult, runResults } from '../../core/workspace/runs.js';
import { jobStatus } from '../../core/workspace/jobs.js';
import { batchProgress } from '../../core/workspace/batch.js';
import { scanHistory, summarizeWorkspace, summaryCsv } from '../../core/workspace/summary.js';
import type { CohortSummary } from '../../core/workspace/summary.js';
import { writeTextAtomically } from '../../core/util/atomic.js';
import type { BatchStatus, OptionValue, ResultSummary, WorkspaceService, WorkspaceView, WorkspaceRun } from '../../core/ipc/contract.js';
import type { Job } from '../host/engine-host.js';
import { newId } from './app-context.js';
import type { AppContext } from './app-context.js';
import { addResult } from './app-state.js';

const LABELS = /_(image|t1|img)(\.(nii\.gz|nii|nrrd|mha))$/i;

interface ActiveBatch {
  status: BatchStatus;
  jobs: Map<string, string>;
  computedSeconds: number;
  done: string[];
  skipped: string[];
  failed: { scan: string; error: string }[];
  busy: string[];
}

export class WorkspaceServiceImpl implements WorkspaceService {
  private ws?: Workspace;
  private readonly shown = new Map<string, string>();
  private batch?: ActiveBatch;

  constructor(private readonly ctx: AppContext) {
    ctx.host.on('progress', (p) => {
      const b = this.batch;
      const scan = b?.jobs.get(p.jobId);
      if (!b || !scan) return;
      b.status.scans[scan] = { state: 'running', fraction: Math.min(0.99, p.fraction) };
      this.emitBatch({ scan, fraction: Math.min(0.99, p.fraction), stage: p.stage, message: p.message ?? '' });
    });
    ctx.host.on('finished', (job) => void this.onFinished(job));
  }

  /** The open workspace's folder (training and trained models follow it). */
  get root(): string | undefined {
    return this.ws?.root;
  }

  private get workspace(): Workspace {
    if (!this.ws) throw new LabelWarpError('no workspace is open: open or create one first');
    return this.ws;
  }

  async open(a: { folder: string; create?: boolean }): Promise<WorkspaceView> {
    if (this.batch?.status.state === 'running') throw new LabelWarpError('a batch is running: cancel it before opening another workspace');
    const folder = await this.ctx.roots.resolve(a.folder, a.create ? 'write' : 'read');
    this.ws = await openWorkspace(folder, { create: a.create });
    this.shown.clear();
    this.batch = undefined;
    return this.changed();
  }

  async view(): Promise<WorkspaceView> {
    const ws = this.workspace;
    const scans = await listScans(ws);
    const runs: WorkspaceRun[] = [];
    for (const r of await listRuns(ws)) {
      const done = new Set((await runResults(ws, r.id)).map((x) => x.scan));
      const interrupted: string[] = [];
      const failed: string[] = [];
      for (const s of scans) {
        if (done.has(s.id)) continue;
        const st = await jobStatus(ws, r.id, s.id);
        if (st.state === 'interrupted') interrupted.push(s.id);
        else if (st.state === 'failed') failed.push(s.id);
      }
      runs.push({
        id: r.id,
        engine: r.engine,
        template: r.template.name,
        model: r.model?.id ?? null,
        options: r.options,
        done: done.size,
        interrupted,
        failed,
      });
    }
    const out: WorkspaceView = {
      root: ws.root,
      version: ws.info.version,
      templates: (await listTemplates(ws)).map((t) => ({ id: t.id, name: t.name })),
      scans: [],
      runs,
      batch: this.batch?.status,
    };
    for (const s of scans) {
      const history = await scanHistory(ws, s.id);
      const chosen = this.shown.get(s.id);
      const shownRun = history.some((h) => h.run === chosen) ? chosen : history[0]?.run;
      out.scans.push({ id: s.id, name: s.name, hasReference: Boolean(s.labels), history, shownRun });
    }
    return out;
  }

  private async changed(): Promise<WorkspaceView> {
    const v = await this.view();
    this.ctx.send('workspace.onChanged', v);
    return v;
  }

  async importTemplate(a: { image: string; labels: string; name?: string }): Promise<{ id: string; duplicate: boolean }> {
    const [image, labels] = await Promise.all([this.ctx.roots.resolve(a.image, 'read'), this.ctx.roots.resolve(a.labels, 'read')]);
    // Label names from a table beside the label map, as the Review tab's templates take them.
    const table = await labelTableBeside(labels, (f) => this.ctx.roots.allows(f, 'read'));
    const r = await importTemplate(this.workspace, { image, labels, name: a.name, table });
    await this.changed();
    return { id: r.record.id, duplicate: r.duplicate };
  }

  async importScans(a: { paths: string[] }): Promise<{ imported: string[]; duplicates: string[]; errors: string[] }> {
    const ws = this.workspace;
    const known = await listScans(ws);
    const imported: string[] = [];
    const duplicates: string[] = [];
    const errors: string[] = [];
    for (const p of a.paths) {
      try {
        const image = await this.ctx.roots.resolve(p, 'read');
        const beside = LABELS.test(image) ? image.replace(LABELS, '_labels$2') : undefined;
        const labels = beside && (await this.ctx.roots.allows(beside, 'read')) && (await exists(beside)) ? beside : undefined;
        // Read as the Review tab reads a scan (in the reader process): a broken file is refused now,
        // with its reason, not found out as a failed job of a batch. Reference labels on another grid are left out.
        const read = await this.ctx.reader.read({ op: 'scan', image, reference: labels });
        const r = await importScan(ws, { image, labels: read.referenceMatches ? labels : undefined }, known);
        if (r.duplicate) duplicates.push(r.record.id);
        else {
          known.push(r.record);
          imported.push(r.record.id);
        }
      } catch (err) {
        errors.push(describeError(err));
      }
    }
    await this.changed();
    return { imported, duplicates, errors };
  }

  async rename(a: { kind: 'template' | 'scan'; id: string; name: string }): Promise<WorkspaceView> {
    await renameItem(this.workspace, a.kind, a.id, a.name);
    return this.changed();
  }

  async remove(a: { kind: 'template' | 'scan'; id: string }): Promise<WorkspaceView> {
    if (this.batch?.status.state === 'running') throw new LabelWarpError('a batch is running: cancel it before removing');
    await removeItem(this.workspace, a.kind, a.id);
    return this.changed();
  }

  async removeResult(a: { runId: string; scanId: string }): Promise<WorkspaceView> {
    await removeResult(this.workspace, a.runId, a.scanId);
    return this.changed();
  }

  async show(a: { scanId: string; runId: string }): Promise<WorkspaceView> {
    this.shown.set(a.scanId, a.runId);
    return this.changed();
  }

  async review(a: { scanId: string; runId: string }): Promise<{ scanId: string }> {
    const ws = this.workspace;
    const [record, run] = await Promise.all([getScan(ws, a.scanId), getRun(ws, a.runId)]);
    const folder = dirs.result(ws.root, run.id, record.id);
    const metrics = await readResultMetrics<QualityInput & { meanDice?: number; seconds: number; warnings?: string[] }>(folder).catch(
      () => {
        throw new LabelWarpError(`${record.name} has no finished result in run ${run.id}`, folder);
      },
    );
    const files = scanFiles(ws, record);
    const deformable = getEngineDefinition(run.engine).deformable;
    const result: ResultSummary = {
      jobId: run.id,
      engine: run.engine,
      // The label table comes from the app's template of the same name, when there is one.
      templateId: this.ctx.state.templates.find((t) => t.name === run.template.name)?.id ?? '',
      meanDice: metrics.meanDice,
      seconds: metrics.seconds,
      warnings: metrics.warnings ?? [],
      folder,
      deformable,
      quality: assessQuality({ ...metrics, deformable }),
    };
    let s = this.ctx.state.scans.find((x) => x.image === files.image);
    if (!s) {
      const vol = await this.ctx.reader.read({ op: 'scan', image: files.image, reference: files.labels });
      s = {
        id: newId('scan'),
        name: record.name,
        image: files.image,
        referenceLabels: vol.referenceMatches ? files.labels : undefined,
        info: vol.info,
        status: 'done',
      };
      this.ctx.state.scans.push(s);
    }
    addResult(s, result);
    s.status = 'done';
    s.error = undefined;
    this.shown.set(record.id, run.id);
    await this.ctx.scansChanged();
    await this.changed();
    return { scanId: s.id };
  }

  async runBatch(a: {
    templateId: string;
    engine: string;
    options?: Record<string, OptionValue>;
    scanIds?: string[];
  }): Promise<{ runId: string }> {
    const ws = this.workspace;
    const definition = getEngineDefinition(a.engine);
    const options: Record<string, OptionValue> = { ...(a.options ?? {}) };
    engineOptions(definition, options);
    let model: string | undefined;
    if (typeof options.model === 'string') {
      model = await this.ctx.roots.resolve(options.model, 'read');
      delete options.model;
    }
    const run = await defineRun(ws, { templateId: a.templateId, engine: a.engine, options, model });
    await this.start(run.id, a.scanIds);
    return { runId: run.id };
  }

  async resume(a: { runId: string }): Promise<{ runId: string }> {
    await getRun(this.workspace, a.runId);
    await this.start(a.runId);
    return { runId: a.runId };
  }

  private async start(runId: string, scanIds?: string[]): Promise<void> {
    if (this.batch?.status.state === 'running') throw new LabelWarpError('a batch is already running');
    const ws = this.workspace;
    const run = await getRun(ws, runId);
    const ids = scanIds ?? (await listScans(ws)).map((s) => s.id);
    if (ids.length === 0) throw new LabelWarpError('the workspace holds no scans');
    const batch: ActiveBatch = {
      status: { runId, engine: run.engine, state: 'running', total: ids.length, finished: 0, failed: 0, fraction: 0, scans: {} },
      jobs: new Map(),
      computedSeconds: 0,
      done: [],
      skipped: [],
      failed: [],
      busy: [],
    };
    for (const s of ids) batch.status.scans[s] = { state: 'pending', fraction: 0 };
    this.batch = batch;
    await this.changed();
    for (const scanId of ids) {
      const jobId = newId('job');
      batch.jobs.set(jobId, scanId);
      this.ctx.host.submit(jobId, {
        runId,
        templateImage: '',
        templateLabels: '',
        scan: '',
        engine: run.engine,
        options: {},
        outDir: '',
        workspace: { root: ws.root, runId, scanId },
      });
    }
    this.emitBatch();
  }

  async cancel(): Promise<void> {
    const b = this.batch;
    if (!b || b.status.state !== 'running') return;
    b.status.state = 'cancelled';
    for (const jobId of b.jobs.keys()) this.ctx.host.cancel(jobId);
    this.emitBatch();
  }

  private emitBatch(current?: { scan: string; fraction: number; stage: string; message: string }): void {
    const b = this.batch;
    if (!b) return;
    const p = batchProgress(b.status.runId, b.status.total, b, b.computedSeconds, current);
    Object.assign(b.status, {
      finished: p.finished,
      failed: p.failed,
      fraction: p.fraction,
      etaSeconds: p.etaSeconds,
      secondsPerScan: p.secondsPerScan,
    });
    this.ctx.send('workspace.onBatch', { ...b.status, scans: { ...b.status.scans } });
  }

  private async onFinished(job: Job): Promise<void> {
    const b = this.batch;
    const scan = b?.jobs.get(job.id);
    if (!b || !scan) return;
    b.jobs.delete(job.id);
    const o = job.outcome as (typeof job.outcome & { workspace?: { outcome: string; seconds: number; error?: string } }) | undefined;
    const w = o?.workspace;
    if (job.state === 'done' && w) {
      if (w.outcome === 'done') {
        b.done.push(scan);
        b.computedSeconds += w.seconds;
        b.status.scans[scan] = { state: 'done', fraction: 1 };
      } else if (w.outcome === 'skipped') {
        b.skipped.push(scan);
        b.status.scans[scan] = { state: 'skipped', fraction: 1 };
      } else if (w.outcome === 'busy') {
        b.busy.push(scan);
        b.status.scans[scan] = { state: 'busy', fraction: 0 };
      } else if (w.outcome === 'cancelled') b.status.scans[scan] = { state: 'cancelled', fraction: 0 };
      else {
        b.failed.push({ scan, error: w.error ?? 'failed' });
        b.status.scans[scan] = { state: 'failed', fraction: 0, error: w.error };
      }
    } else if (job.state === 'cancelled') b.status.scans[scan] = { state: 'cancelled', fraction: 0 };
    else {
      // The host died or failed outside the job: the claim on disk says interrupted.
      const st = this.ws ? await jobStatus(this.ws, b.status.runId, scan).catch(() => undefined) : undefined;
      const state = st?.state === 'done' ? 'done' : 'interrupted';
      b.status.scans[scan] = { state, fraction: state === 'done' ? 1 : 0, error: job.error };
      if (state === 'done') b.done.push(scan);
    }
    // The batch goes on (the host restarts for the next job); at its end it says what happened.
    if (b.jobs.size === 0 && b.status.state === 'running') {
      b.status.state = Object.values(b.status.scans).some((x) => x.state === 'interrupted') ? 'interrupted' : 'finished';
    }
    // The workspace view (runs, histories) first, so that a finished batch shows its results.
    // A workspace that cannot be listed now must not keep the batch's end from the interface.
    if (b.jobs.size === 0)
      await this.changed().catch((err: unknown) => console.error(`LabelWarp: the workspace could not be listed: ${describeError(err)}`));
    this.emitBatch();
  }

  async summary(a: { runIds?: string[] }): Promise<CohortSummary> {
    return summarizeWorkspace(this.workspace, a.runIds);
  }

  async exportCsv(a: { file: string; runIds?: string[] }): Promise<{ file: string; rows: number }> {
    const file = await this.ctx.roots.resolve(a.file, 'write');
    if (path.extname(file).toLowerCase() !== '.csv') throw new LabelWarpError('the export must be a .csv file', a.file);
    const csv = summaryCsv(await summarizeWorkspace(this.workspace, a.runIds));
    await writeTextAtomically(file, csv);
    return { file, rows: csv.trim().split('\n').length - 1 };
  }
}

const exists = (p: string) =>
  fs.stat(p).then(
    () => true,
    () => false,
  );
