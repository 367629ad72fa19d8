/** Jobs: registrations queued on the engine host. */
import { bool, engineOptionValues, id, list, object, optional } from '../check.js';
import type { OptionValue } from '../check.js';
import { defineService } from '../table.js';
import type { ResultSummary } from './results.js';

export interface JobProgress {
  jobId: string;
  scanId: string;
  stage: string;
  fraction: number;
  message?: string;
  /** Overall fraction of the run this job belongs to. */
  runFraction: number;
}

export interface JobDone {
  jobId: string;
  scanId: string;
  status: 'done' | 'failed' | 'cancelled';
  error?: string;
  result?: ResultSummary;
}

export interface JobsService {
  /** Engine options are checked against the engine's own option schema before any job starts. */
  run(args: {
    templateId: string;
    scanIds: string[];
    engine: string;
    options?: Record<string, OptionValue>;
  }): Promise<{ jobIds: string[] }>;
  cancel(args: { jobId?: string; all?: boolean }): Promise<void>;
}

export interface JobsEvents {
  onProgress: JobProgress;
  onDone: JobDone;
}

export const jobsContract = defineService<JobsService, JobsEvents>(
  {
    run: object({ templateId: id, scanIds: list(id, 1, 1000, 'scans'), engine: id, options: optional(engineOptionValues) }),
    cancel: object({ jobId: optional(id), all: optional(bool) }),
  },
  { onProgress: true, onDone: true },
);
