/** Messages between the main process and the engine host process. */
export interface JobRequest {
  atlasImage: string;
  atlasLabels: string;
  scan: string;
  scanLabels?: string;
  engine: string;
  options: Record<string, string | number | boolean>;
  outDir: string;
}

export type ToHost = { type: 'run'; jobId: string; request: JobRequest } | { type: 'cancel'; jobId: string } | { type: 'status' };

export interface JobOutcome {
  meanDice?: number;
  seconds: number;
  warnings: string[];
  files: string[];
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
