/** An error meant for the user: one line naming the file (when there is one) and the problem. */
export class LabelWarpError extends Error {
  readonly file?: string;
  constructor(message: string, file?: string) {
    super(file ? `${file}: ${message}` : message);
    this.name = 'LabelWarpError';
    this.file = file;
  }
}

/** Thrown when a job is cancelled through its AbortSignal. */
export class CancelledError extends Error {
  constructor(message = 'cancelled') {
    super(message);
    this.name = 'CancelledError';
  }
}

export function throwIfAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw new CancelledError();
}

/** One line for the user, whatever was thrown. */
export function describeError(err: unknown): string {
  if (err instanceof LabelWarpError || err instanceof CancelledError) return err.message;
  if (err instanceof Error) return err.message.split('\n')[0] || err.name;
  return String(err);
}
