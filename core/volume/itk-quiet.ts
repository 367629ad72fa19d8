/**
 * Calls into ITK-Wasm without its noise and with one-line reasons. The WebAssembly modules print
 * their C++ stdout and stderr (e.g. MetaIO's "data not read completely") through console.log and
 * console.error, and on a C++ exception itk-wasm prints "Exception while running pipeline:" with
 * both streams, then rethrows a bare number (an exception pointer). While an ITK call runs,
 * console.log and console.error are silenced (LabelWarp itself never writes through console), and
 * a bare number becomes a plain sentence.
 */

let active = 0;
let restore: (() => void) | undefined;

function install(): () => void {
  const { log, error } = console;
  const silent = () => undefined;
  console.log = silent;
  console.error = silent;
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
