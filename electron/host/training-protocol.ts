/** Messages between the main process (or browser-mode server) and the training host process. */
import type { TrainingEvent } from '../../core/training/events.js';
import type { TrainingRecord } from '../../core/training/run-record.js';
import type { TrainingEstimate } from '../../core/training/estimate-model.js';

export type ToTrainer =
  /** Measures the time of a run (warm-up); the record is not on disk yet. */
  | { type: 'estimate'; jobId: string; workspace: string; record: TrainingRecord }
  /** Runs or resumes W/training/RUN (its run.json). */
  | { type: 'train'; workspace: string; runId: string; paused: string[] }
  | { type: 'pause'; runId: string; reason: string }
  | { type: 'unpause'; runId: string; reason: string }
  | { type: 'cancel'; id: string }
  | { type: 'status' };

export type FromTrainer =
  | { type: 'heartbeat' }
  | { type: 'ready'; backend: string; device: 'gpu' | 'cpu' }
  | { type: 'memory'; rss: number }
  | { type: 'event'; runId: string; event: TrainingEvent }
  | { type: 'finished'; runId: string; record: TrainingRecord }
  | { type: 'estimated'; jobId: string; estimate?: TrainingEstimate; error?: string; progress?: string };
