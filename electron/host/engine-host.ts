/**
 * The main process's side of the engine host: one job queue, one host process at a time, progress
 * events, cancellation, and crash isolation — if the host process dies, the running job fails
 * with the reason and the next job starts a fresh process.
 */
import { EventEmitter } from 'node:events';
import { fork } from 'node:child_process';
import type { ChildProcess, Serializable } from 'node:child_process';
import type { FromHost, JobOutcome, JobRequest, ToHost } from './protocol.js';

/** A started host process, whatever runs it (Node child process, Electron utility process). */
export interface HostProcess<In = ToHost, Out = FromHost> {
  send(m: In): void;
  onMessage(fn: (m: Out) => void): void;
  onExit(fn: (reason: string) => void): void;
  kill(): void;
  pid?: number;
}

export type HostLauncher<In = ToHost, Out = FromHost> = () => HostProcess<In, Out>;

/** Node child process running a TypeScript worker through tsx (tests, CLI, browser mode). */
export function nodeLauncher<In = ToHost, Out = FromHost>(
  workerPath = new URL('./engine-worker.ts', import.meta.url).pathname,
  execArgv = ['--import', 'tsx'],
): HostLauncher<In, Out> {
  return () => {
    const child: ChildProcess = fork(workerPath, [], {
      execArgv,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      serialization: 'advanced',
    });
    return {
      pid: child.pid,
      send: (m) => {
        if (child.connected) child.send(m as Serializable);
      },
      onMessage: (fn) => child.on('message', (m) => fn(m as Out)),
      onExit: (fn) => child.on('exit', (code, signal) => fn(signal ? `signal ${signal}` : `exit code ${code}`)),
      kill: () => child.kill('SIGKILL'),
    };
  };
}

export interface Job {
  id: string;
  request: JobRequest;
  state: 'queued' | 'running' | 'done' | 'failed' | 'cancelled';
  error?: string;
  outcome?: JobOutcome;
}

export interface HostEvents {
  progress: [{ jobId: string; stage: string; fraction: number; message?: string }];
  finished: [Job];
  status: [{ running: boolean; rss: number | null; backend?: string; device?: 'gpu' | 'cpu' }];
}

export class EngineHost extends EventEmitter<HostEvents> {
  private readonly queue: Job[] = [];
  private current?: Job;
  private proc?: HostProcess;
  private ready = false;
  private rss: number | null = null;
  backend?: string;
  device?: 'gpu' | 'cpu';
  private cancelTimer?: NodeJS.Timeout;
  private readonly cancelling = new Set<string>();

  constructor(private readonly launch: HostLauncher = nodeLauncher()) {
    super();
  }

  submit(id: string, request: JobRequest): Job {
    const job: Job = { id, request, state: 'queued' };
    this.queue.push(job);
    this.pump();
    return job;
  }

  /** Cancels a queued or running job (the running one is asked to stop, then killed after 10 s). */
  cancel(jobId: string): boolean {
    const i = this.queue.findIndex((j) => j.id === jobId);
    if (i >= 0) {
      const [job] = this.queue.splice(i, 1);
      job.state = 'cancelled';
      this.emit('finished', job);
      return true;
    }
    if (this.current?.id === jobId && this.proc) {
      this.cancelling.add(jobId);
      this.proc.send({ type: 'cancel', jobId });
      clearTimeout(this.cancelTimer);
      this.cancelTimer = setTimeout(() => {
        if (this.current?.id === jobId) this.proc?.kill();
      }, 10_000);
      return true;
    }
    return false;
  }

  cancelAll(): void {
    for (const j of [...this.queue]) this.cancel(j.id);
    if (this.current) this.cancel(this.current.id);
  }

  get busy(): boolean {
    return Boolean(this.current) || this.queue.length > 0;
  }

  status() {
    return { running: Boolean(this.proc), rss: this.rss, backend: this.backend, device: this.device };
  }

  /** Asks the host for its memory use (answered through the 'status' event). */
  poll(): void {
    this.proc?.send({ type: 'status' });
  }

  private start(): HostProcess {
    const proc = this.launch();
    this.ready = false;
    proc.onMessage((m) => this.onMessage(proc, m));
    proc.onExit((reason) => this.onExit(proc, reason));
    this.proc = proc;
    return proc;
  }

  private pump(): void {
    if (this.current || this.queue.length === 0) return;
    const job = this.queue.shift()!;
    this.current = job;
    job.state = 'running';
    const proc = this.proc ?? this.start();
    proc.send({ type: 'run', jobId: job.id, request: job.request });
    this.emit('progress', { jobId: job.id, stage: 'starting', fraction: 0, message: this.ready ? undefined : 'starting the engine host' });
  }

  private onMessage(proc: HostProcess, m: FromHost): void {
    if (proc !== this.proc) return;
    switch (m.type) {
      case 'ready':
        this.ready = true;
        this.backend = m.backend;
        this.device = m.device;
        this.emit('status', this.status());
        break;
      case 'memory':
        this.rss = m.rss;
        this.emit('status', this.status());
        break;
      case 'progress':
        if (this.current?.id === m.jobId)
          this.emit('progress', { jobId: m.jobId, stage: m.stage, fraction: m.fraction, message: m.message });
        break;
      case 'done':
      case 'failed': {
        const job = this.current;
        if (!job || job.id !== m.jobId) return;
        clearTimeout(this.cancelTimer);
        this.cancelling.delete(job.id);
        if (m.type === 'done') {
          job.state = 'done';
          job.outcome = m.outcome;
        } else {
          job.state = m.cancelled ? 'cancelled' : 'failed';
          job.error = m.error;
        }
        this.current = undefined;
        this.emit('finished', job);
        this.pump();
        break;
      }
    }
  }

  private onExit(proc: HostProcess, reason: string): void {
    if (proc !== this.proc) return;
    this.proc = undefined;
    this.rss = null;
    this.emit('status', this.status());
    const job = this.current;
    if (job) {
      clearTimeout(this.cancelTimer);
      this.current = undefined;
      const wasCancelled = this.cancelling.delete(job.id);
      job.state = wasCancelled ? 'cancelled' : 'failed';
      job.error = wasCancelled ? 'cancelled' : `the engine host stopped unexpectedly (${reason}); the next job starts a fresh one`;
      this.emit('finished', job);
    }
    this.pump();
  }

  /** Stops the host process (app quit). */
  dispose(): void {
    clearTimeout(this.cancelTimer);
    this.queue.length = 0;
    this.proc?.kill();
    this.proc = undefined;
  }
}
