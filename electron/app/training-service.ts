/**
 * The training service (core/ipc/services/training.ts): trainable engines (from the registry), the
 * measured estimate, runs in the training host, pause / cancel / resume, and a run's history for
 * the curves, in the workspace open in the Cohort tab (else the app's own, STATE/workspace). Queueing
 * policy with label transfer: transfer first — while the engine host has a
 * job, the training pauses at its next step boundary, and goes on when the engine host is idle.
 */
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { defaultOptions, getEngineDefinition, trainableEngines } from '../../core/engines/index.js';
import { createRecord, listRecords, markInterrupted, readRecord, runDir, runFiles, saveRecord } from '../../core/training/run-record.js';
import type { TrainingRecord } from '../../core/training/run-record.js';
import type { TrainingEstimate } from '../../core/training/estimate-model.js';
import { readHistory } from '../../core/training/events.js';
import { dirs } from '../../core/workspace/layout.js';
import { getScan, getTemplate, openWorkspace, scanFiles, templateFiles } from '../../core/workspace/workspace.js';
import { LabelWarpError } from '../../core/util/errors.js';
import { TrainingHost } from '../host/training-host.js';
import { optionInfos } from './system-service.js';
import type {
  TrainableEngineInfo,
  TrainingEstimateInfo,
  TrainingHistory,
  TrainingRequest,
  TrainingRunInfo,
  TrainingService,
} from '../../core/ipc/contract.js';
import type { AppContext } from './app-context.js';

/** The pause reason while label transfer runs (policy: transfer first). */
export const TRANSFER_FIRST = 'label transfer running';
/** The pause reason when the user paused the training (shown as “paused (by you)”). */
const BY_USER = 'by you';

function runInfo(r: TrainingRecord, trainingHost: TrainingHost): TrainingRunInfo {
  return {
    id: r.id,
    engine: r.engine,
    template: r.templateName ?? path.basename(r.templateImage),
    scans: r.scans.length,
    state: r.state,
    error: r.error,
    createdAt: r.createdAt,
    seconds: r.seconds,
    modelDir: r.modelDir,
    backend: r.backend,
    device: r.device,
    estimateSeconds: r.estimate?.seconds.total,
    options: r.options,
    pausedBy: trainingHost.current?.runId === r.id ? trainingHost.pauseReasons : [],
  };
}

export class Training implements TrainingService {
  readonly host: TrainingHost;
  private readonly estimates = new Map<string, TrainingEstimate>();

  /** Workspaces whose runs left by an earlier process were marked interrupted. */
  private readonly opened = new Set<string>();

  constructor(
    private readonly ctx: AppContext,
    /**
     * The workspace folder now (teacher fields, training runs, trained models): the cohort
     * workspace open in the Cohort tab, else the app's own.
     */
    private readonly currentWorkspace: () => string,
    host?: TrainingHost,
  ) {
    this.host = host ?? new TrainingHost();
    this.host.on('event', (runId, event) => ctx.send('training.onEvent', { runId, event }));
    this.host.on('finished', (r) => ctx.send('training.onRun', runInfo(r, this.host)));
    this.host.on('estimateProgress', (jobId, message) => ctx.send('training.onEstimate', { jobId, message }));
    // Transfer first: a label-transfer job pauses the training at a step boundary.
    const follow = () => {
      if (ctx.host.busy) this.host.pause(TRANSFER_FIRST);
      else this.host.unpause(TRANSFER_FIRST);
    };
    ctx.host.on('progress', follow);
    ctx.host.on('finished', () => setImmediate(follow));
  }

  /** Opens the app's own workspace; its trained models become readable. */
  async init(): Promise<void> {
    const w = this.currentWorkspace();
    await openWorkspace(w, { create: true });
    await this.ctx.roots.add(dirs.models(w), false);
    await this.workspace();
  }

  /**
   * The current workspace; the first time in this process, its runs recorded as running belong
   * to a process that is gone (an earlier app) and become interrupted, resumable.
   */
  async workspace(): Promise<string> {
    const w = this.currentWorkspace();
    if (!this.opened.has(w)) {
      this.opened.add(w);
      await markInterrupted(w);
    }
    return w;
  }

  async engines(): Promise<TrainableEngineInfo[]> {
    return trainableEngines().map((e) => {
      const t = e.trainer!;
      return {
        name: e.name,
        description: e.description,
        help: t.help,
        teacher: t.teacher?.(defaultOptions(t.options)).engine,
        options: optionInfos(t.options),
      };
    });
  }

  /** The template and scans a request names, from the cohort workspace or the app. */
  private async chosen(
    req: TrainingRequest,
    workspace: string,
  ): Promise<Pick<TrainingRecord, 'templateImage' | 'templateLabels' | 'templateName' | 'scans'>> {
    if (req.from === 'workspace') {
      const ws = await openWorkspace(workspace);
      const t = await getTemplate(ws, req.templateId);
      const records = await Promise.all(req.scanIds.map((id) => getScan(ws, id)));
      const files = templateFiles(ws, t);
      return {
        templateImage: files.image,
        templateLabels: files.labels,
        templateName: t.name,
        // The template's own image, imported as a scan too, is no training subject.
        scans: records.filter((r) => r.image.sha256 !== t.image.sha256).map((r) => ({ ...scanFiles(ws, r), id: r.id })),
      };
    }
    const t = this.ctx.state.template(req.templateId);
    const scans = req.scanIds.map((id) => this.ctx.state.scan(id));
    return { templateImage: t.image, templateLabels: t.labels, scans: scans.map((s) => ({ image: s.image, labels: s.referenceLabels })) };
  }

  private async record(req: TrainingRequest, workspace: string): Promise<TrainingRecord> {
    const d = getEngineDefinition(req.engine);
    if (!d.trainer) throw new LabelWarpError(`engine "${req.engine}" cannot be trained`);
    const chosen = await this.chosen(req, workspace);
    if (chosen.scans.filter((s) => s.labels).length < 2)
      throw new LabelWarpError('training needs at least two of the chosen scans with reference labels');
    const now = new Date().toISOString();
    return {
      id: `estimate-${randomBytes(4).toString('hex')}`,
      engine: req.engine,
      ...chosen,
      options: req.options ?? {},
      state: 'new',
      createdAt: now,
      updatedAt: now,
      seconds: 0,
    };
  }

  async estimate(req: TrainingRequest): Promise<TrainingEstimateInfo> {
    const workspace = await this.workspace();
    const record = await this.record(req, workspace);
    const jobId = `est-${randomBytes(4).toString('hex')}`;
    const e = await this.host.estimate(workspace, record, jobId);
    this.estimates.set(jobId, e);
    return { ...e, id: jobId };
  }

  async start(req: TrainingRequest & { estimateId?: string }): Promise<TrainingRunInfo> {
    const workspace = await this.workspace();
    const { id: _id, state: _s, createdAt: _c, updatedAt: _u, seconds: _sec, ...spec } = await this.record(req, workspace);
    const r = await createRecord(workspace, spec);
    const estimate = req.estimateId ? this.estimates.get(req.estimateId) : undefined;
    if (estimate) {
      r.estimate = estimate;
      await saveRecord(workspace, r);
    }
    this.host.start(workspace, r.id);
    return runInfo(r, this.host);
  }

  async pause(a: { runId: string }): Promise<void> {
    if (this.host.current?.runId !== a.runId) throw new LabelWarpError(`training ${a.runId} is not running`);
    this.host.pause(BY_USER);
  }

  /** Goes on: unpauses a running run, or starts an interrupted, paused or cancelled one from its checkpoint. */
  async resume(a: { runId: string }): Promise<TrainingRunInfo> {
    this.host.unpause(BY_USER);
    const workspace = await this.workspace();
    const r = await readRecord(workspace, a.runId);
    if (this.host.current?.runId === a.runId) return runInfo(r, this.host);
    if (r.state === 'done') throw new LabelWarpError(`training ${a.runId} has finished`);
    this.host.start(workspace, r.id);
    return runInfo(r, this.host);
  }

  async cancel(a: { runId: string }): Promise<void> {
    if (this.host.current?.runId === a.runId) {
      this.host.unpause(BY_USER);
      this.host.cancel(a.runId);
      return;
    }
    const workspace = await this.workspace();
    const r = await readRecord(workspace, a.runId);
    if (r.state === 'done') return;
    r.state = 'cancelled';
    await saveRecord(workspace, r);
    this.ctx.send('training.onRun', runInfo(r, this.host));
  }

  async list(): Promise<TrainingRunInfo[]> {
    return (await listRecords(await this.workspace())).map((r) => runInfo(r, this.host));
  }

  async history(a: { runId: string }): Promise<TrainingHistory> {
    const workspace = await this.workspace();
    await readRecord(workspace, a.runId);
    const h = await readHistory(runFiles(runDir(workspace, a.runId)).events);
    return h;
  }

  dispose(): void {
    this.host.dispose();
  }
}
