/**
 * Pausing at step boundaries: a run waits in `wait()` while any reason to pause holds (the user's,
 * or a label-transfer job that goes first), and `wait()` rejects once the run is cancelled.
 */
import { CancelledError } from '../util/errors.js';

export class PauseGate {
  private readonly reasons = new Set<string>();
  private waiters: { resolve: () => void; reject: (e: Error) => void }[] = [];
  private cancelled = false;
  /** Called when the run starts or stops waiting (for the events). */
  onChange?: (paused: boolean, reasons: string[]) => void;
  private waiting = false;

  get paused(): boolean {
    return this.reasons.size > 0;
  }

  get why(): string[] {
    return [...this.reasons];
  }

  pause(reason: string): void {
    this.reasons.add(reason);
  }

  unpause(reason: string): void {
    this.reasons.delete(reason);
    if (this.reasons.size === 0) this.release();
  }

  cancel(): void {
    this.cancelled = true;
    const w = this.waiters;
    this.waiters = [];
    for (const x of w) x.reject(new CancelledError());
  }

  private release(): void {
    const w = this.waiters;
    this.waiters = [];
    if (this.waiting) {
      this.waiting = false;
      this.onChange?.(false, []);
    }
    for (const x of w) x.resolve();
  }

  async wait(): Promise<void> {
    if (this.cancelled) throw new CancelledError();
    if (this.reasons.size === 0) return;
    if (!this.waiting) {
      this.waiting = true;
      this.onChange?.(true, this.why);
    }
    await new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
  }
}
