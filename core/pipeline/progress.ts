/** Progress of a long step: a stage name, the fraction of that stage done (0–1), and a message. */
export interface Progress {
  stage: string;
  fraction: number;
  message?: string;
}

export type ProgressFn = (p: Progress) => void;

/** Maps a sub-task's 0–1 progress into [start, end] of its parent's. */
export function subProgress(parent: ProgressFn | undefined, start: number, end: number): ProgressFn | undefined {
  if (!parent) return undefined;
  return (p) => parent({ ...p, fraction: start + (end - start) * Math.min(1, Math.max(0, p.fraction)) });
}
