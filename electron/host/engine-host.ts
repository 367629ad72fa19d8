/**
 * The main process's side of the engine host: one job queue, one host process at a time, progress
 * events, cancellation, and crash isolation — if the host process dies or falls silent (no
 * heartbeat within the stall timeout), the running job fails with the reason and the next job
 * starts a fresh process.
 */
import { EventEmitter } from 'node:events';
import { fork } from 'node:child_process';
import type { ChildProcess, Serializable } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { HEARTBEAT_MS } from './protocol.js';
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

/**
 * Node child process running a TypeScript worker through tsx (tests, browser mode). tsx is
 * resolved from this module's location, so the host starts whatever the working directory;
 * `extraExecArgv` follows it (e.g. more --import hooks).
 */
export function nodeLauncher<In = ToHost, Out = FromHost>(
  workerPath = fileURLToPath(new URL('./engine-worker.ts', import.meta.url)),
  extraExecArgv: string[] = [],
): HostLauncher<In, Out> {
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  const execArgv = ['--import', tsx, ...extraExecArgv];
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

export interface EngineHostOptions {
  /** A host silent this long after its first message is taken as frozen (default 180 s). */
  stallTimeoutMs?: number;
  /** A host silent this long after its start is taken as hung (default 180 s). */
  startTimeoutMs?: number;
}

/**
 * Longest silence accepted from a host: its event loop may be held by one synchronous kernel on a
 * large scan (warping, Jacobian, HD95 of a 512³ grid on a slow laptop), which must not be
 * mistaken for a freeze.
 */
const DEFAULT_STALL_MS = 180_000;

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
  /** When the current host was last heard from (any message), and whether it has spoken yet. */
  private lastHeard = 0;
  private heard = false;
  private watchdog?: NodeJS.Timeout;
  private readonly stallTimeoutMs: number;
  private readonly startTimeoutMs: number;

  constructor(
    private readonly launch: HostLauncher = nodeLauncher(),
    options: EngineHostOptions = {},
  ) {
    super();
    this.stallTimeoutMs = options.stallTimeoutMs ?? DEFAULT_STALL_MS;
    this.startTimeoutMs = options.startTimeoutMs ?? DEFAULT_STALL_MS;
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
    this.heard = false;
    this.lastHeard = Date.now();
    proc.onMessage((m) => this.onMessage(proc, m));
    proc.onExit((reason) => this.onExit(proc, reason));
    this.proc = proc;
    clearInterval(this.watchdog);
    this.watchdog = setInterval(() => this.checkAlive(), Math.min(HEARTBEAT_MS, this.stallTimeoutMs / 2));
    this.watchdog.unref();
    return proc;
  }

  /** Replaces a host that fell silent: its job fails with the reason, the next job gets a fresh host. */
  private checkAlive(): void {
    const proc = this.proc;
    if (!proc) return;
    const silentMs = Date.now() - this.lastHeard;
    const limit = this.heard ? this.stallTimeoutMs : this.startTimeoutMs;
    if (silentMs <= limit) return;
    const what = this.heard
      ? `stopped responding (no heartbeat for ${Math.round(silentMs / 1000)} s)`
      : `did not start within ${Math.round(silentMs / 1000)} s`;
    proc.kill();
    this.onExit(proc, what, `the engine host ${what} and was replaced; the next job starts a fresh one`);
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
    this.lastHeard = Date.now();
    this.heard = true;
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

  private onExit(proc: HostProcess, reason: string, error?: string): void {
    if (proc !== this.proc) return;
    this.proc = undefined;
    clearInterval(this.watchdog);
    this.rss = null;
    this.emit('status', this.status());
    const job = this.current;
    if (job) {
      clearTimeout(this.cancelTimer);
      this.current = undefined;
      const wasCancelled = this.cancelling.delete(job.id);
      job.state = wasCancelled ? 'cancelled' : 'failed';
      job.error = wasCancelled
        ? 'cancelled'
        : (error ?? `the engine host stopped unexpectedly (${reason}); the next job starts a fresh one`);
      this.emit('finished', job);
    }
    this.pump();
  }

  /** Stops the host process (app quit). */
  dispose(): void {
    clearTimeout(this.cancelTimer);
    clearInterval(this.watchdog);
    this.queue.length = 0;
    this.proc?.kill();
    this.proc = undefined;
  }
}
