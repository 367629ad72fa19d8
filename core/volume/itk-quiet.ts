/**
 * Calls into ITK-Wasm without its noise and with one-line reasons. When a pipeline throws a C++
 * exception, itk-wasm prints "Exception while running pipeline:", the module's stdout and stderr
 * through console.log/console.error and rethrows a bare number (an exception pointer). Those lines
 * are dropped while an ITK call runs, and a bare number becomes a plain sentence.
 */
const ITK_NOISE = /^(Exception while running pipeline:|stdout:|stderr:|exception:|Build module in Debug mode)/;

let active = 0;
let restore: (() => void) | undefined;

function install(): () => void {
  const { log, error } = console;
  const filter =
    (write: (...args: unknown[]) => void) =>
    (...args: unknown[]) => {
      if (typeof args[0] === 'string' && ITK_NOISE.test(args[0])) return;
      write(...args);
    };
  console.log = filter(log);
  console.error = filter(error);
  return () => {
    console.log = log;
    console.error = error;
  };
}

/** Runs an ITK-Wasm call with its exception chatter silenced. */
export async function quietItk<T>(call: () => Promise<T>): Promise<T> {
  if (active++ === 0) restore = install();
  try {
    return await call();
  } finally {
    if (--active === 0) {
      restore?.();
      restore = undefined;
    }
  }
}

/** A short reason for an ITK failure, never a bare exception pointer or multi-line text. */
export function itkFailureReason(err: unknown): string {
  if (typeof err === 'number' || typeof err === 'bigint') return "ITK's reader failed on its contents";
  const first = (err instanceof Error ? err.message : String(err)).split('\n')[0].trim();
  if (!first || /^\d+$/.test(first)) return "ITK's reader failed on its contents";
  if (/^Could not (read|find IO for)/.test(first)) return 'ITK found no reader that understands it';
  return first.length > 120 ? `${first.slice(0, 120)}…` : first;
}
