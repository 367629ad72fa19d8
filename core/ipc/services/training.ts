/**
 * Training: trainable engines (the registry's), the measured estimate, runs in the training host
 * with pause, cancel and resume, and a run's history for the curves (core/training/).
 */
import { engineOptionValues, id, list, none, object, oneOf, optional } from '../check.js';
import type { OptionValue } from '../check.js';
import { defineService } from '../table.js';
import type { RunHistory, TrainingEvent, TrainingState } from '../../training/events.js';
import type { TrainingEstimate } from '../../training/estimate-model.js';
import type { EngineOptionInfo } from './system.js';

/** An engine that can be trained (the registry's trainable engines). */
export interface TrainableEngineInfo {
  name: string;
  description: string;
  help: string;
  /** The engine whose fields the trainer learns from (a stage of its own), if any. */
  teacher?: string;
  /** The trainer's options (its schema: defaults, ranges). */
  options: EngineOptionInfo[];
}

export interface TrainingRequest {
  /** Whose template and scans the ids name: the cohort workspace open in the Cohort tab, or the app's (default). */
  from?: 'workspace' | 'app';
  templateId: string;
  scanIds: string[];
  engine: string;
  options?: Record<string, OptionValue>;
}

/** The measured estimate (core/training/estimate-model.ts), with the id `start` refers to. */
export type TrainingEstimateInfo = TrainingEstimate & { id: string };

export interface TrainingRunInfo {
  id: string;
  engine: string;
  template: string;
  scans: number;
  state: TrainingState;
  error?: string;
  createdAt: string;
  /** Seconds spent running so far (pauses excluded). */
  seconds: number;
  modelDir?: string;
  backend?: string;
  device?: string;
  estimateSeconds?: number;
  options: Record<string, unknown>;
  /** Why it waits, while paused (the user, or a label transfer going first). */
  pausedBy: string[];
}

export type TrainingHistory = RunHistory;

export interface TrainingService {
  engines(): Promise<TrainableEngineInfo[]>;
  /** A short measured warm-up in the training host, multiplied out to the configured run. */
  estimate(args: TrainingRequest): Promise<TrainingEstimateInfo>;
  start(args: TrainingRequest & { estimateId?: string }): Promise<TrainingRunInfo>;
  pause(args: { runId: string }): Promise<void>;
  /** Unpauses a running run, or starts a paused, interrupted, cancelled or failed one from its checkpoint. */
  resume(args: { runId: string }): Promise<TrainingRunInfo>;
  cancel(args: { runId: string }): Promise<void>;
  list(): Promise<TrainingRunInfo[]>;
  history(args: { runId: string }): Promise<TrainingHistory>;
}

export interface TrainingEvents {
  onEvent: { runId: string; event: TrainingEvent };
  onRun: TrainingRunInfo;
  onEstimate: { jobId: string; message: string };
}

const request = {
  from: optional(oneOf(['workspace', 'app'] as const)),
  templateId: id,
  scanIds: list(id, 1, 1000, 'scans'),
  engine: id,
  options: optional(engineOptionValues),
};
const run = object({ runId: id });

export const trainingContract = defineService<TrainingService, TrainingEvents>(
  {
    engines: none,
    estimate: object(request),
    start: object({ ...request, estimateId: optional(id) }),
    pause: run,
    resume: run,
    cancel: run,
    list: none,
    history: run,
  },
  { onEvent: true, onRun: true, onEstimate: true },
);
