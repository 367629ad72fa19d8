/**
 * The main side of the volume reader process (reader-worker.ts): the browser-mode server and the
 * Electron main process hand every volume read to it, so a large, hostile or slow file never
 * blocks their event loop nor grows their memory. One process serves all requests; it starts on
 * the first one, a request that takes longer than the time limit kills it (failing what it was
 * doing with a reason), and the next request starts a fresh one.
 */
import { LabelWarpError } from '../../core/util/errors.js';
import { nodeLauncher } from './engine-host.js';
import type { HostLauncher, HostProcess } from './engine-host.js';
import type { FromReader, ReadRequest, ReadResults, ToReader } from './reader-protocol.js';

export type ReaderLauncher = HostLauncher<ToReader, FromReader>;

/** Longest a single read may take (a DICOM series of a few hundred slices takes seconds). */
export const READ_TIME_LIMIT_MS = 120_000;

interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

export class VolumeReader {
  private proc?: HostProcess<ToReader, FromReader>;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();

  constructor(
    private readonly launch: ReaderLauncher = nodeLauncher<ToReader, FromReader>(new URL('./reader-worker.ts', import.meta.url).pathname),
    private readonly timeLimitMs = READ_TIME_LIMIT_MS,
  ) {}

  read<R extends ReadRequest>(request: R): Promise<ReadResults[R['op']]> {
    const proc = this.proc ?? this.start();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.fail(proc, `reading took longer than ${Math.floor(this.timeLimitMs / 1000)} s and was stopped`);
      }, this.timeLimitMs);
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
      proc.send({ type: 'read', id, request });
    });
  }

  private start(): HostProcess<ToReader, FromReader> {
    const proc = this.launch();
    proc.onMessage((m) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      clearTimeout(p.timer);
      if (m.ok) p.resolve(m.value);
      else p.reject(new LabelWarpError(m.error));
    });
    proc.onExit((reason) => this.fail(proc, `the volume reader stopped unexpectedly (${reason})`));
    this.proc = proc;
    return proc;
  }

  /** Fails every request in flight on `proc` with `reason` and stops it; the next read starts afresh. */
  private fail(proc: HostProcess<ToReader, FromReader>, reason: string): void {
    if (proc !== this.proc) return;
    this.proc = undefined;
    proc.kill();
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(new LabelWarpError(reason));
    }
    this.pending.clear();
  }

  dispose(): void {
    if (this.proc) this.fail(this.proc, 'the application is closing');
  }
}
