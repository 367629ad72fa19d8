/**
 * The time estimate shown before a training starts, from a short measured warm-up on this
 * machine's backend: the teacher on one or two scans (their fields stay in the workspace cache,
 * so the run reuses them), then the trainer on two subjects in a scratch folder: its preparation,
 * the first step (warming the process up), a whole cycle of later steps, one validation and one
 * checkpoint. The times are multiplied out to the configured run (estimate-model.ts); nothing is
 * guessed.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { trainEngine } from '../engines/index.js';
import { initTensorBackend } from '../tensor/backend.js';
import { LabelWarpError } from '../util/errors.js';
import { prepareTraining, stepClock } from './controller.js';
import { extrapolate, median, planFor } from './estimate-model.js';
import type { TrainingEstimate } from './estimate-model.js';
import { runFiles } from './run-record.js';
import type { TrainingRecord } from './run-record.js';
import { pendingTeacherScans, runTeacherStage } from './teacher-cache.js';
import { dirs } from '../workspace/layout.js';
import { linkScans } from './scan-links.js';

export interface EstimateOptions {
  /** Steps of the warm-up (default: the first, which warms kernels up and is timed apart, then a whole step cycle, at least 3). */
  steps?: number;
  signal?: AbortSignal;
  log?: (line: string) => void;
  onProgress?: (message: string) => void;
}

/** The longest step cycle the warm-up times whole (a longer one's rare steps are left out). */
const MAX_CYCLE = 8;

/** Options the warm-up overrides where the trainer has them: a few steps, one validation and one checkpoint at the end, two subjects. */
function warmupOptions(options: Record<string, unknown>, steps: number): Record<string, unknown> {
  const o: Record<string, unknown> = { ...options, iterations: steps };
  const set = (k: string, v: unknown) => {
    if (k in options) o[k] = v;
  };
  set('validateEvery', steps);
  set('checkpointEvery', steps);
  set('validationFraction', 0.5);
  set('maxValidation', 1);
  set('maxTraining', 1);
  return o;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

export async function estimateTraining(workspace: string, record: TrainingRecord, o: EstimateOptions = {}): Promise<TrainingEstimate> {
  const t0 = performance.now();
  const log = o.log ?? (() => undefined);
  const backend = await initTensorBackend();
  const scratch = path.join(dirs.trainings(workspace), `.warmup-${randomBytes(4).toString('hex')}`);
  try {
    const { trainer, options, labelled, teacher, teacherDir, teacherScans } = await prepareTraining(workspace, scratch, record);
    if (labelled.length < 2) throw new LabelWarpError('training needs at least two scans with reference labels');
    if (!('iterations' in options)) throw new LabelWarpError(`the ${record.engine} trainer has no "iterations" option: no estimate`);
    // The first step, then a whole cycle of step kinds (the student's discriminator update).
    const cycle = Math.max(1, Math.min(MAX_CYCLE, Math.round(trainer.stepCycle?.(options as never) ?? 1)));
    const steps = Math.max(2, o.steps ?? 1 + Math.max(3, cycle));

    // Teacher: time two fields where two are missing (they stay cached). The first registration of
    // a fresh process also pays one-time costs (compilation, worker threads) that the run, in the
    // same warm process, does not: the quicker of the two (normally the second, unless the machine
    // was busier then) is the one multiplied out.
    let teacherSecondsPerScan: number | null = null;
    let pendingAfter = 0;
    let warmScans = labelled.slice(0, 2);
    if (teacher && teacherDir) {
      const pending = await pendingTeacherScans(teacherDir, teacherScans);
      const cached = teacherScans.filter((s) => !pending.includes(s));
      const compute = pending.slice(0, 2);
      if (pending.length > 0) {
        o.onProgress?.(`timing the teacher (${teacher.engine}) on ${compute.length} scan${compute.length > 1 ? 's' : ''}`);
        const times = await runTeacherStage({
          dir: teacherDir,
          templateImage: record.templateImage,
          templateLabels: record.templateLabels,
          scans: compute,
          teacher,
          signal: o.signal,
          log,
        });
        teacherSecondsPerScan = Math.min(...times);
      }
      pendingAfter = pending.length - compute.length;
      // Scans with fields first; the warm-up trains on two scans even where the teacher needs one.
      warmScans = [...new Set([...cached, ...compute, ...labelled])].slice(0, 2);
    }

    // The trainer on two subjects (one trains, one validates), a few steps.
    o.onProgress?.(`timing ${steps} training steps, one validation and one checkpoint`);
    const files = runFiles(scratch);
    const warmDir = path.join(scratch, 'warm-scans');
    await linkScans(
      warmDir,
      warmScans.map((s) => ({ image: s.image, labels: s.labels })),
    );
    const clock = stepClock();
    const laps: number[] = [];
    let firstStepAt = 0;
    let lastStepAt = 0;
    let validation = { seconds: NaN, subjects: 1 };
    const prepared: number[] = [];
    let checkpointSeconds = 0;
    const trainStart = performance.now();
    await trainEngine(
      record.engine,
      {
        templateImage: record.templateImage,
        templateLabels: record.templateLabels,
        scansDir: warmDir,
        scanLabelsDir: warmDir,
        outDir: files.model,
        resume: false,
        teacherDir,
        signal: o.signal,
        log,
        onPrepared: (p) => prepared.push(p.seconds),
        onStep: (s) => {
          const lap = clock.lap();
          if (laps.length === 0) firstStepAt = performance.now() - s.seconds * 1000;
          laps.push(lap);
          lastStepAt = performance.now();
        },
        onValidation: (v) => {
          validation = { seconds: v.seconds, subjects: v.subjects };
        },
        onCheckpoint: (c) => (checkpointSeconds = c.seconds),
      },
      warmupOptions(options, steps),
    );
    const trainEnd = performance.now();
    if (laps.length < 2 || !Number.isFinite(validation.seconds))
      throw new LabelWarpError(`the ${record.engine} trainer reports no steps or validation: no estimate`);
    const setup = (firstStepAt - trainStart) / 1000;
    // Preparation that grows with the subjects, where the trainer reports it: the later subjects'
    // time (the first one's also warms code up); the rest is paid once.
    const perSubject = prepared.length === 0 ? setup / 2 : prepared.length === 1 ? prepared[0] : mean(prepared.slice(1));
    const later = laps.slice(1);
    const measured = {
      teacherSecondsPerScan,
      setupSeconds: prepared.length ? Math.max(0, setup - perSubject * prepared.length) : 0,
      setupSecondsPerSubject: perSubject,
      firstStepSeconds: laps[0] - setup,
      stepSeconds: cycle > 1 ? mean(later.slice(-cycle)) : median(later),
      validationSecondsPerSubject: validation.seconds / Math.max(1, validation.subjects),
      validationOverheadSeconds: Math.max(0, (trainEnd - lastStepAt) / 1000 - validation.seconds - checkpointSeconds),
      checkpointSeconds,
      steps,
    };
    const plan = planFor(options, labelled.length, pendingAfter);
    const estimate: TrainingEstimate = {
      measured,
      plan,
      seconds: extrapolate(measured, plan),
      backend: backend.description,
      device: backend.device,
      warmupSeconds: (performance.now() - t0) / 1000,
    };
    return estimate;
  } finally {
    await fs.rm(scratch, { recursive: true, force: true });
  }
}
