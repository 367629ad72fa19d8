/**
 * The training-time estimate: times measured in a short warm-up (estimate.ts), multiplied out to
 * the configured run: the teacher, the preparation (once, and per subject), the steps, the
 * validations and the checkpoints. The run's size comes from the trainer options
 * shared by the learned engines: `iterations`, `validateEvery`, `checkpointEvery`,
 * `validationFraction`, `maxValidation` and `maxTraining` (a trainer without `iterations` gets no
 * estimate).
 */
import { LabelWarpError } from '../util/errors.js';

/** Seconds measured in the warm-up. */
export interface WarmupMeasurement {
  /** Mean seconds of one teacher registration (null: every field was cached already). */
  teacherSecondsPerScan: number | null;
  /** Before the first step, once: reading the template, building the networks. */
  setupSeconds: number;
  /** Reading and preparing (pre-aligning, resampling) one subject before the first step. */
  setupSecondsPerSubject: number;
  /**
   * The warm-up's first step, which also warms the backend's kernels and the JIT up. The run goes
   * on in the same, warm, training host, so its steps all cost `stepSeconds`; a host started
   * afresh (after a crash or an app restart) pays this once more.
   */
  firstStepSeconds: number;
  /** Mean wall time between later steps over a whole cycle of step kinds (the step, its log line). */
  stepSeconds: number;
  /** Scoring one validation subject. */
  validationSecondsPerSubject: number;
  /** Per validation besides scoring (saving the best model so far). */
  validationOverheadSeconds: number;
  /** Writing one checkpoint. */
  checkpointSeconds: number;
  /** Steps the warm-up ran. */
  steps: number;
}

export interface TrainingPlan {
  /** Teacher fields still to compute. */
  teacherPending: number;
  /** Subjects prepared (training and scored validation ones). */
  subjects: number;
  validationSubjects: number;
  iterations: number;
  validations: number;
  checkpoints: number;
}

export interface TrainingEstimate {
  measured: WarmupMeasurement;
  plan: TrainingPlan;
  seconds: { teacher: number; setup: number; training: number; validation: number; checkpoints: number; total: number };
  backend: string;
  device: string;
  /** How long the warm-up itself took. */
  warmupSeconds: number;
}

const num = (o: Record<string, unknown>, k: string): number | undefined => (typeof o[k] === 'number' ? (o[k] as number) : undefined);

/** Events of `iterations` steps that fire every `every` steps and after the last one. */
const cadence = (iterations: number, every: number) => Math.floor(iterations / every) + (iterations % every === 0 ? 0 : 1);

/** The run's size from the parsed trainer options and the labelled scans (the trainers' split rule). */
export function planFor(options: Record<string, unknown>, labelled: number, teacherPending: number): TrainingPlan {
  const iterations = num(options, 'iterations');
  if (iterations === undefined) throw new LabelWarpError('this trainer declares no "iterations" option: no time estimate');
  const held = Math.max(1, Math.round((num(options, 'validationFraction') ?? 0.2) * labelled));
  const validationSubjects = Math.min(held, num(options, 'maxValidation') ?? held);
  const training = Math.min(labelled - held, num(options, 'maxTraining') ?? labelled);
  return {
    teacherPending,
    subjects: training + validationSubjects,
    validationSubjects,
    iterations,
    validations: cadence(iterations, num(options, 'validateEvery') ?? iterations),
    checkpoints: cadence(iterations, num(options, 'checkpointEvery') ?? iterations),
  };
}

export function extrapolate(m: WarmupMeasurement, p: TrainingPlan): TrainingEstimate['seconds'] {
  const teacher = (m.teacherSecondsPerScan ?? 0) * p.teacherPending;
  const setup = m.setupSeconds + m.setupSecondsPerSubject * p.subjects;
  const training = p.iterations * m.stepSeconds;
  const validation = p.validations * (m.validationSecondsPerSubject * p.validationSubjects + m.validationOverheadSeconds);
  const checkpoints = p.checkpoints * m.checkpointSeconds;
  return { teacher, setup, training, validation, checkpoints, total: teacher + setup + training + validation + checkpoints };
}

export function median(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const h = Math.floor(s.length / 2);
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
}
