/** Messages between the main process and the engine host process. */
export interface JobRequest {
  /** Jobs of one run share it: the host reads the run's template once for all of them. */
  runId?: string;
  templateImage: string;
  templateLabels: string;
  scan: string;
  scanLabels?: string;
  engine: string;
  options: Record<string, string | number | boolean | number[]>;
  outDir: string;
  /**
   * A job of a cohort workspace (core/workspace): the host claims it there, writes the result
   * folder with provenance and releases it; the file fields above are then unused.
   */
  workspace?: { root: string; runId: string; scanId: string };
}

export type ToHost = { type: 'run'; jobId: string; request: JobRequest } | { type: 'cancel'; jobId: string } | { type: 'status' };

export interface JobOutcome {
  meanDice?: number;
  seconds: number;
  warnings: string[];
  files: string[];
  /** A workspace job's outcome (skipped: its result existed; busy: another process holds it). */
  workspace?: { outcome: 'done' | 'skipped' | 'busy' | 'failed' | 'cancelled'; seconds: number; error?: string };
}

/** The host sends a heartbeat this often while its event loop runs (see EngineHost's stall timeout). */
export const HEARTBEAT_MS = 1000;

export type FromHost =
  | { type: 'heartbeat' }
  | { type: 'ready'; backend: string; device: 'gpu' | 'cpu' }
  | { type: 'progress'; jobId: string; stage: string; fraction: number; message?: string }
  | { type: 'done'; jobId: string; outcome: JobOutcome }
  | { type: 'failed'; jobId: string; error: string; cancelled: boolean }
  | { type: 'memory'; rss: number };
