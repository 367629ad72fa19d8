/** Progress on the terminal: a bar redrawn in place on a TTY, a line per stage otherwise. */
import type { Progress, ProgressFn } from '../pipeline/progress.js';

export function terminalProgress(
  label: string,
  stream: NodeJS.WriteStream = process.stderr,
  quiet = false,
): { onProgress: ProgressFn; done(): void } {
  let lastStage = '';
  let lastDraw = 0;
  const isTty = Boolean(stream.isTTY);
  const draw = (p: Progress) => {
    if (quiet) return;
    if (isTty) {
      const now = Date.now();
      if (now - lastDraw < 100 && p.fraction < 1) return;
      lastDraw = now;
      const width = 24;
      const filled = Math.round(Math.min(1, Math.max(0, p.fraction)) * width);
      const line = `${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(100 * p.fraction).toFixed(0).padStart(3)}% ${p.stage}${p.message ? `: ${p.message}` : ''}`;
      stream.write(`\r${line.slice(0, (stream.columns || 100) - 1).padEnd(Math.min(99, (stream.columns || 100) - 1))}`);
    } else if (p.stage !== lastStage) {
      stream.write(`${label}: ${p.stage}${p.message ? ` (${p.message})` : ''}\n`);
    }
    lastStage = p.stage;
  };
  return {
    onProgress: draw,
    done() {
      if (isTty && !quiet && lastStage) stream.write('\n');
    },
  };
}
