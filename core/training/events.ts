/**
 * What a training run reports, and its log on disk (W/training/RUN/events.jsonl, one event a
 * line): the curves are drawn from it again after the app restarts. A resumed run repeats the steps
 * after its last checkpoint; readers keep the latest record of each step.
 */
import { promises as fs } from 'node:fs';

export type TrainingStage = 'estimating' | 'teacher' | 'training' | 'saving';

export type TrainingState = 'new' | 'running' | 'paused' | 'interrupted' | 'cancelled' | 'failed' | 'done';

export interface StepRecord {
  iteration: number;
  iterations: number;
  terms: Record<string, number>;
  /** The step's own seconds, and the wall time since the previous step (logging, checkpoints, validation). */
  seconds: number;
  interval: number;
}

export interface ValidationRecord {
  iteration: number;
  dice: number;
  seconds: number;
}

export type TrainingEvent =
  | { type: 'stage'; stage: TrainingStage; message?: string }
  | { type: 'teacher'; scan: string; done: number; total: number; reused: boolean; seconds: number }
  | ({ type: 'step'; remainingSeconds: number | null } & StepRecord)
  | ({ type: 'validation' } & ValidationRecord)
  | { type: 'state'; state: TrainingState; reason?: string; error?: string }
  | { type: 'log'; line: string }
  /** The tensor backend and device the run trains on. */
  | { type: 'backend'; backend: string; device: string }
  /** The trainer read and prepared a subject (before its first step): `done` of `total`. */
  | { type: 'prepared'; done: number; total: number; seconds: number }
  /** The trainer wrote its checkpoint after step `iteration`. */
  | { type: 'checkpoint'; iteration: number; seconds: number }
  /** The trainer goes on from its checkpoint at `from`: records of later steps are dropped. */
  | { type: 'resume'; from: number };

export async function appendEvent(file: string, e: TrainingEvent): Promise<void> {
  await fs.appendFile(file, JSON.stringify({ ...e, at: Date.now() }) + '\n');
}

export interface RunHistory {
  steps: StepRecord[];
  validations: ValidationRecord[];
  teacher: { done: number; total: number; computed: number; seconds: number };
  log: string[];
}

export async function readHistory(file: string): Promise<RunHistory> {
  const text = await fs.readFile(file, 'utf8').catch(() => '');
  const steps = new Map<number, StepRecord>();
  const validations = new Map<number, ValidationRecord>();
  const teacher = { done: 0, total: 0, computed: 0, seconds: 0 };
  const log: string[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    let e: TrainingEvent;
    try {
      e = JSON.parse(line) as TrainingEvent;
    } catch {
      continue; // a line cut short by a crash
    }
    if (e.type === 'step')
      steps.set(e.iteration, {
        iteration: e.iteration,
        iterations: e.iterations,
        terms: e.terms,
        seconds: e.seconds,
        interval: e.interval,
      });
    else if (e.type === 'validation') validations.set(e.iteration, { iteration: e.iteration, dice: e.dice, seconds: e.seconds });
    else if (e.type === 'teacher') {
      teacher.done = e.done;
      teacher.total = e.total;
      if (!e.reused) {
        teacher.computed++;
        teacher.seconds += e.seconds;
      }
    } else if (e.type === 'resume') {
      for (const m of [steps, validations]) for (const k of [...m.keys()]) if (k > e.from) m.delete(k);
    } else if (e.type === 'log') log.push(e.line);
  }
  const byIteration = <T extends { iteration: number }>(m: Map<number, T>) => [...m.values()].sort((a, b) => a.iteration - b.iteration);
  return { steps: byIteration(steps), validations: byIteration(validations), teacher, log: log.slice(-200) };
}
