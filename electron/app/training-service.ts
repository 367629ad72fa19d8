/**
 * The training service (core/ipc/services/training.ts): trainable engines (from the registry), the
 * measured estimate, runs in the training host, pause / cancel / resume, and a run's history for
 * the curves. Queueing policy with label transfer: transfer first — while the engine host has a
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
import { openWorkspace } from '../../core/workspace/workspace.js';
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

function runInfo(r: TrainingRecord, trainingHost: TrainingHost): TrainingRunInfo {
  return {
    id: r.id,
    engine: r.engine,
    template: path.basename(r.templateImage),
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

  constructor(
    private readonly ctx: AppContext,
    /** The workspace folder: trained models, teacher fields, training runs. */
    readonly workspace: string,
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

  /** Opens the workspace; its trained models become readable; runs whose process is gone become resumable. */
  async init(): Promise<void> {
    await openWorkspace(this.workspace, { create: true });
    await this.ctx.roots.add(dirs.models(this.workspace), false);
    await markInterrupted(this.workspace);
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

  private record(req: TrainingRequest): TrainingRecord {
    const d = getEngineDefinition(req.engine);
    if (!d.trainer) throw new LabelWarpError(`engine "${req.engine}" cannot be trained`);
    const t = this.ctx.state.template(req.templateId);
    const scans = req.scanIds.map((id) => this.ctx.state.scan(id));
    const labelled = scans.filter((s) => s.referenceLabels);
    if (labelled.length < 2) throw new LabelWarpError('training needs at least two of the chosen scans with reference labels');
    const now = new Date().toISOString();
    return {
      id: `estimate-${randomBytes(4).toString('hex')}`,
      engine: req.engine,
      templateImage: t.image,
      templateLabels: t.labels,
      scans: scans.map((s) => ({ image: s.image, labels: s.referenceLabels })),
      options: req.options ?? {},
      state: 'new',
      createdAt: now,
      updatedAt: now,
      seconds: 0,
    };
  }

  async estimate(req: TrainingRequest): Promise<TrainingEstimateInfo> {
    const record = this.record(req);
    const jobId = `est-${randomBytes(4).toString('hex')}`;
    const e = await this.host.estimate(this.workspace, record, jobId);
    this.estimates.set(jobId, e);
    return { ...e, id: jobId };
  }

  async start(req: TrainingRequest & { estimateId?: string }): Promise<TrainingRunInfo> {
    const { id: _id, state: _s, createdAt: _c, updatedAt: _u, seconds: _sec, ...spec } = this.record(req);
    const r = await createRecord(this.workspace, spec);
    const estimate = req.estimateId ? this.estimates.get(req.estimateId) : undefined;
    if (estimate) {
      r.estimate = estimate;
      await saveRecord(this.workspace, r);
    }
    this.host.start(this.workspace, r.id);
    return runInfo(r, this.host);
  }

  async pause(a: { runId: string }): Promise<void> {
    if (this.host.current?.runId !== a.runId) throw new LabelWarpError(`training ${a.runId} is not running`);
    this.host.pause('paused by the user');
  }

  /** Goes on: unpauses a running run, or starts an interrupted, paused or cancelled one from its checkpoint. */
  async resume(a: { runId: string }): Promise<TrainingRunInfo> {
    this.host.unpause('paused by the user');
    const r = await readRecord(this.workspace, a.runId);
    if (this.host.current?.runId === a.runId) return runInfo(r, this.host);
    if (r.state === 'done') throw new LabelWarpError(`training ${a.runId} has finished`);
    this.host.start(this.workspace, r.id);
    return runInfo(r, this.host);
  }

  async cancel(a: { runId: string }): Promise<void> {
    if (this.host.current?.runId === a.runId) {
      this.host.unpause('paused by the user');
      this.host.cancel(a.runId);
      return;
    }
    const r = await readRecord(this.workspace, a.runId);
    if (r.state === 'done') return;
    r.state = 'cancelled';
    await saveRecord(this.workspace, r);
    this.ctx.send('training.onRun', runInfo(r, this.host));
  }

  async list(): Promise<TrainingRunInfo[]> {
    return (await listRecords(this.workspace)).map((r) => runInfo(r, this.host));
  }

  async history(a: { runId: string }): Promise<TrainingHistory> {
    await readRecord(this.workspace, a.runId);
    const h = await readHistory(runFiles(runDir(this.workspace, a.runId)).events);
    return h;
  }

  dispose(): void {
    this.host.dispose();
  }
}
