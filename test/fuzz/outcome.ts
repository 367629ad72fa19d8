/** Outcomes of a fuzz case, and what counts as a clean error. */
export type Outcome = 'clean error' | 'success' | 'crash' | 'hang' | 'silent wrong';

export const OUTCOMES: Outcome[] = ['clean error', 'success', 'crash', 'hang', 'silent wrong'];

/** Raw JavaScript or ITK failure text that a user must never see. */
const RAW = /DataView|Start offset|BigInt|toFixed|Cannot read|is not a function|undefined|RangeError|TypeError|\(\d{4,}\)|\bat .*:\d+:\d+/;

/**
 * An error is clean when it is one line, names the file (as `${file}: reason`, possibly after the
 * CLI's "labelwarp segment: error: " prefix), and holds no raw JavaScript/ITK text or control
 * characters (so no file contents are echoed). Anything else counts as a crash.
 */
export function classifyError(message: string, file: string): Outcome {
  const line = message.replace(/\n$/, '');
  if (line.includes('\n')) return 'crash';
  const at = line.indexOf(`${file}: `);
  if (at < 0) return 'crash';
  const reason = line.slice(at + file.length + 2);
  if (!reason || RAW.test(reason) || /[\u0000-\u001f\u007f-\u009f]/.test(reason) || reason.length > 300) return 'crash';
  return 'clean error';
}
