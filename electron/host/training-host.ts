/**
 * The main process's side of the training host: one process for training (beside the engine host
 * that runs label transfers), one run at a time. Pause reasons are kept here, so a new host (after
 * a crash or restart) starts paused where it should. If the process dies, the run is recorded as
 * interrupted and resumes from its checkpoint. Memory is bounded: the V8 heap by
 * --max-old-space-size, the whole process (tensors included) by a resident-memory limit
 * (LABELWARP_TRAIN_MAX_MEMORY, default half the machine's memory) past which the run is stopped.
 */
import { EventEmitter } from 'node:events';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { nodeLauncher } from './engine-host.js';
import type { HostLauncher, HostProcess } from './engine-host.js';
import type { FromTrainer, ToTrainer } from './training-protocol.js';
import type { TrainingEvent } from '../../core/training/events.js';
import { readRecord, saveRecord } from '../../core/training/run-record.js';
import type { TrainingRecord } from '../../core/training/run-record.js';
import type { TrainingEstimate } from '../../core/training/estimate-model.js';
import { LabelWarpError } from '../../core/util/errors.js';
import { parseBytes } from '../../core/engines/memory.js';

export type TrainerLauncher = HostLauncher<ToTrainer, FromTrainer>;

/** Resident-memory limit of the training host. */
export function trainingMemoryLimit(): number {
  const env = process.env.LABELWARP_TRAIN_MAX_MEMORY;
  return env ? parseBytes(env) : Math.floor(os.totalmem() / 2);
}

/** The V8 heap limit of the training host: half its memory limit (tensors live outside the heap). */
export function trainingHeapMiB(): number {
  return Math.max(1024, Math.floor(trainingMemoryLimit() / 2 ** 20 / 2));
}

export function trainingLauncher(): TrainerLauncher {
  return nodeLauncher<ToTrainer, FromTrainer>(fileURLToPath(new URL('./training-worker.ts', import.meta.url)), [
    `--max-old-space-size=${trainingHeapMiB()}`,
  ]);
}

export interface TrainingHostEvents {
  event: [string, TrainingEvent];
  finished: [TrainingRecord];
  estimateProgress: [string, string];
  status: [{ running: boolean; rss: number | null; backend?: string; device?: 'gpu' | 'cpu' }];
}

export class TrainingHost extends EventEmitter<TrainingHostEvents> {
  private proc?: HostProcess<ToTrainer, FromTrainer>;
  private currentRun?: { workspace: string; runId: string; cancelled: boolean };
  private readonly estimates = new Map<string, { resolve: (e: TrainingEstimate) => void; reject: (e: Error) => void }>();
  private readonly reasons = new Set<string>();
  private rss: number | null = null;
  private poller?: NodeJS.Timeout;
  private stopReason?: string;
  private lastHeard = 0;
  backend?: string;
  device?: 'gpu' | 'cpu';

  constructor(
    private readonly launch: TrainerLauncher = trainingLauncher(),
    private readonly maxMemory = trainingMemoryLimit(),
    /** A host silent this long (no heartbeat) is taken as frozen and replaced; its run resumes later. */
    private readonly stallMs = 180_000,
  ) {
    super();
  }

  get current(): { workspace: string; runId: string } | undefined {
    return this.currentRun;
  }

  get busy(): boolean {
    return Boolean(this.currentRun) || this.estimates.size > 0;
  }

  get pauseReasons(): string[] {
    return [...this.reasons];
  }

  status() {
    return { running: Boolean(this.proc), rss: this.rss, backend: this.backend, device: this.device };
  }

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  private ensure(): HostProcess<ToTrainer, FromTrainer> {
    if (this.proc) return this.proc;
    const proc = this.launch();
    this.proc = proc;
    proc.onMessage((m) => this.onMessage(proc, m));
    proc.onExit((reason) => void this.onExit(proc, reason));
    clearInterval(this.poller);
    this.lastHeard = Date.now();
    this.poller = setInterval(() => {
      if (Date.now() - this.lastHeard > this.stallMs) {
        this.stopReason = `the training host stopped responding (no heartbeat for ${Math.round(this.stallMs / 1000)} s) and was stopped; resume goes on from the last checkpoint`;
        proc.kill();
      } else proc.send({ type: 'status' });
    }, 2000);
    this.poller.unref();
    return proc;
  }

  /** Starts (or resumes) the run recorded in W/training/RUN. */
  start(workspace: string, runId: string): void {
    if (this.currentRun) throw new LabelWarpError(`a training is running (${this.currentRun.runId}); pause or cancel it first`);
    if (this.estimates.size > 0) throw new LabelWarpError('an estimate is being measured; wait for it');
    this.currentRun = { workspace, runId, cancelled: false };
    this.ensure().send({ type: 'train', workspace, runId, paused: this.pauseReasons });
  }

  estimate(workspace: string, record: TrainingRecord, jobId: string): Promise<TrainingEstimate> {
    if (this.currentRun) return Promise.reject(new LabelWarpError('a training is running; estimate when it has finished or is cancelled'));
    return new Promise((resolve, reject) => {
      this.estimates.set(jobId, { resolve, reject });
      this.ensure().send({ type: 'estimate', jobId, workspace, record });
    });
  }

  pause(reason: string): void {
    this.reasons.add(reason);
    if (this.currentRun) this.proc?.send({ type: 'pause', runId: this.currentRun.runId, reason });
  }

  unpause(reason: string): void {
    this.reasons.delete(reason);
    if (this.currentRun) this.proc?.send({ type: 'unpause', runId: this.currentRun.runId, reason });
  }

  cancel(id: string): void {
    if (this.currentRun?.runId === id) this.currentRun.cancelled = true;
    this.proc?.send({ type: 'cancel', id });
  }

  /** Kills the host process (what a crash does; tests use it). */
  kill(): void {
    this.proc?.kill();
  }

  private onMessage(proc: HostProcess<ToTrainer, FromTrainer>, m: FromTrainer): void {
    if (proc !== this.proc) return;
    this.lastHeard = Date.now();
    switch (m.type) {
      case 'ready':
        this.backend = m.backend;
        this.device = m.device;
        this.emit('status', this.status());
        break;
      case 'memory':
        this.rss = m.rss;
        this.emit('status', this.status());
        if (m.rss > this.maxMemory && this.currentRun) {
          this.stopReason = `the training host used ${(m.rss / 2 ** 30).toFixed(1)} GiB, over its limit of ${(this.maxMemory / 2 ** 30).toFixed(1)} GiB (LABELWARP_TRAIN_MAX_MEMORY); resume with smaller settings`;
          proc.kill();
        }
        break;
      case 'event':
        this.emit('event', m.runId, m.event);
        break;
      case 'finished':
        if (this.currentRun?.runId === m.runId) this.currentRun = undefined;
        this.emit('finished', m.record);
        break;
      case 'estimated': {
        const p = this.estimates.get(m.jobId);
        if (!p) break;
        if (m.progress) this.emit('estimateProgress', m.jobId, m.progress);
        else {
          this.estimates.delete(m.jobId);
          if (m.estimate) p.resolve(m.estimate);
          else p.reject(new LabelWarpError(m.error ?? 'the estimate failed'));
        }
        break;
      }
      case 'heartbeat':
        break;
    }
  }

  /** The process died: its run is interrupted (resumable from the checkpoint), its estimates fail. */
  private async onExit(proc: HostProcess<ToTrainer, FromTrainer>, reason: string): Promise<void> {
    if (proc !== this.proc) return;
    this.proc = undefined;
    this.rss = null;
    clearInterval(this.poller);
    this.emit('status', this.status());
    for (const [id, p] of this.estimates) {
      this.estimates.delete(id);
      p.reject(new LabelWarpError(`the training host stopped (${reason})`));
    }
    const run = this.currentRun;
    this.currentRun = undefined;
    if (!run) return;
    const record = await readRecord(run.workspace, run.runId).catch(() => undefined);
    if (!record) return;
    if (!['done', 'failed', 'cancelled'].includes(record.state)) {
      record.state = run.cancelled ? 'cancelled' : 'interrupted';
      record.error = run.cancelled
        ? undefined
        : (this.stopReason ?? `the training host stopped unexpectedly (${reason}); resume goes on from the last checkpoint`);
      await saveRecord(run.workspace, record);
    }
    this.stopReason = undefined;
    this.emit('event', run.runId, { type: 'state', state: record.state, error: record.error });
    this.emit('finished', record);
  }

  dispose(): void {
    clearInterval(this.poller);
    this.proc?.kill();
    this.proc = undefined;
  }
}
