/**
 * The training-run controller, shared by the engine host and the command line: runs one training
 * of any trainable engine (through the registry) as stages — the teacher where the trainer needs
 * one (cached in the workspace), then the trainer — reporting every step's loss terms, validation
 * Dice, step time, remaining time, backend and device; pauses at step boundaries, cancels, and
 * resumes from the trainer's checkpoint (also in a new process, after a crash). The finished model
 * moves to W/models/.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { getEngineDefinition, trainEngine } from '../engines/index.js';
import { parseOptions } from '../engines/options.js';
import { initTensorBackend } from '../tensor/backend.js';
import { CancelledError, LabelWarpError, describeError } from '../util/errors.js';
import { splitExtension } from '../util/atomic.js';
import { appendEvent } from './events.js';
import type { TrainingEvent, TrainingState } from './events.js';
import { PauseGate } from './pause-gate.js';
import { runDir, runFiles, saveRecord } from './run-record.js';
import type { TrainingRecord } from './run-record.js';
import { linkScans } from './scan-links.js';
import { runTeacherStage, teacherCacheDir } from './teacher-cache.js';
import { dirs } from '../workspace/layout.js';
import { openWorkspace } from '../workspace/workspace.js';
import { median } from './estimate-model.js';

/** The trainer, its checked options, and the scans as it reads them. */
export async function prepareTraining(workspace: string, dir: string, record: TrainingRecord) {
  await openWorkspace(workspace, { create: true });
  const definition = getEngineDefinition(record.engine);
  const trainer = definition.trainer;
  if (!trainer) throw new LabelWarpError(`engine "${record.engine}" cannot be trained`);
  const options = parseOptions(`train ${record.engine}`, trainer.options, record.options) as Record<string, unknown>;
  // The template itself is no training subject.
  const real = async (f: string) => fs.realpath(f).catch(() => path.resolve(f));
  const template = await real(record.templateImage);
  const chosen = [];
  for (const s of record.scans) if ((await real(s.image)) !== template) chosen.push(s);
  const scans = await linkScans(runFiles(dir).scans, chosen);
  const labelled = scans.filter((s) => s.labels);
  const teacher = trainer.teacher?.(options as never);
  // The scans whose teacher fields the trainer reads, chosen from the scans in the order it lists them.
  const byName = [...labelled].sort((a, b) => (path.basename(a.image) < path.basename(b.image) ? -1 : 1));
  const teacherScans = teacher ? (trainer.teacherSubjects?.(options as never, byName) ?? labelled) : [];
  const teacherDir = teacher
    ? await teacherCacheDir(dirs.teachers(workspace), record.templateImage, record.templateLabels, teacher)
    : undefined;
  return { trainer, options, scans, labelled, teacher, teacherDir, teacherScans };
}

/** Hooks shared by a run and the estimate's warm-up: step timing between successive steps. */
export function stepClock() {
  let last = performance.now();
  return {
    reset: () => (last = performance.now()),
    /** Wall seconds since the previous step ended (or the reset). */
    lap(): number {
      const now = performance.now();
      const s = (now - last) / 1000;
      last = now;
      return s;
    },
  };
}

export class TrainingRun {
  readonly gate = new PauseGate();
  private readonly abort = new AbortController();
  private writes: Promise<void> = Promise.resolve();
  private pausedSince: number | null = null;
  private pausedMs = 0;
  private started = 0;
  private baseSeconds = 0;
  private lastSaved = 0;

  constructor(
    readonly workspace: string,
    public record: TrainingRecord,
    private readonly onEvent: (e: TrainingEvent) => void = () => undefined,
  ) {
    this.baseSeconds = record.seconds;
    this.gate.onChange = (paused, reasons) => {
      if (paused) this.pausedSince = performance.now();
      else if (this.pausedSince !== null) {
        this.pausedMs += performance.now() - this.pausedSince;
        this.pausedSince = null;
      }
      void this.setState(paused ? 'paused' : 'running', reasons.join(', ') || undefined);
    };
  }

  get dir(): string {
    return runDir(this.workspace, this.record.id);
  }

  pause(reason = 'user'): void {
    this.gate.pause(reason);
  }

  unpause(reason = 'user'): void {
    this.gate.unpause(reason);
  }

  cancel(): void {
    this.abort.abort();
    this.gate.cancel();
  }

  private emit(e: TrainingEvent): void {
    this.onEvent(e);
    const file = runFiles(this.dir).events;
    this.writes = this.writes.then(() => appendEvent(file, e)).catch(() => undefined);
  }

  private async setState(state: TrainingState, reason?: string, error?: string): Promise<void> {
    this.updateSeconds();
    this.record.state = state;
    this.record.error = error;
    this.emit({ type: 'state', state, reason, error });
    await saveRecord(this.workspace, this.record);
  }

  /** Runs (or resumes) the training to the end; the record says how it ended. */
  async run(): Promise<TrainingRecord> {
    this.started = performance.now();
    // An earlier attempt ran: this one starts again after an interruption.
    const restarting = this.baseSeconds > 0;
    let teacherMs = 0;
    const files = runFiles(this.dir);
    const log = (line: string) => this.emit({ type: 'log', line });
    try {
      await this.setState(this.gate.paused ? 'paused' : 'running');
      const backend = await initTensorBackend();
      this.record.backend = backend.description;
      this.record.device = backend.device;
      this.emit({ type: 'backend', backend: backend.description, device: backend.device });
      const { options, teacher, teacherDir, teacherScans } = await prepareTraining(this.workspace, this.dir, this.record);

      if (teacher && teacherDir) {
        this.emit({ type: 'stage', stage: 'teacher', message: `${teacher.engine} fields for ${teacherScans.length} scans` });
        const teacherStarted = performance.now();
        const times: number[] = [];
        await runTeacherStage({
          dir: teacherDir,
          templateImage: this.record.templateImage,
          templateLabels: this.record.templateLabels,
          scans: teacherScans,
          teacher,
          atBoundary: () => this.gate.wait(),
          signal: this.abort.signal,
          onScan: (e) => {
            if (!e.reused) times.push(e.seconds);
            this.emit({ type: 'teacher', ...e });
          },
          log,
        });
        if (this.abort.signal.aborted) throw new CancelledError();
        teacherMs = performance.now() - teacherStarted;
      }

      const resume = Boolean(await fs.stat(path.join(files.model, 'checkpoint')).catch(() => undefined));
      this.emit({ type: 'stage', stage: 'training', message: resume ? 'resuming from the checkpoint' : undefined });
      const clock = stepClock();
      const recent: number[] = [];
      let lastValidation: number | null = null;
      let first = true;
      const validateEvery = typeof options.validateEvery === 'number' ? options.validateEvery : undefined;
      await trainEngine(
        this.record.engine,
        {
          templateImage: this.record.templateImage,
          templateLabels: this.record.templateLabels,
          scansDir: files.scans,
          scanLabelsDir: files.scans,
          outDir: files.model,
          resume,
          teacherDir,
          signal: this.abort.signal,
          log,
          atStepBoundary: async () => {
            await this.gate.wait();
            if (this.pausedSince === null) clock.lap(); // time spent paused is no step's
          },
          onStep: (s) => {
            if (first && resume) this.emit({ type: 'resume', from: s.iteration - 1 });
            const interval = clock.lap();
            if (first && restarting) {
              // Up to this first step (less the step itself, the teacher's work and the pauses): starting again.
              const ms = performance.now() - this.started - this.pausedMs - teacherMs - 1000 * interval;
              this.record.restartSeconds = (this.record.restartSeconds ?? 0) + Math.max(0, ms) / 1000;
            }
            first = false;
            recent.push(interval);
            if (recent.length > 20) recent.shift();
            const left = s.iterations - s.iteration;
            const validationsLeft = validateEvery ? Math.ceil(left / validateEvery) : 0;
            const remainingSeconds = left * median(recent) + validationsLeft * (lastValidation ?? 0);
            this.emit({ type: 'step', ...s, interval, remainingSeconds });
            // The running time survives a crash (saved every few seconds).
            if (performance.now() - this.lastSaved > 5000) {
              this.lastSaved = performance.now();
              this.updateSeconds();
              void saveRecord(this.workspace, this.record).catch(() => undefined);
            }
          },
          onPrepared: (p) => this.emit({ type: 'prepared', ...p }),
          onCheckpoint: (c) => this.emit({ type: 'checkpoint', ...c }),
          onValidation: (v) => {
            lastValidation = v.seconds;
            this.emit({ type: 'validation', iteration: v.iteration, dice: v.dice, seconds: v.seconds });
          },
        },
        options,
      );

      this.emit({ type: 'stage', stage: 'saving' });
      const models = dirs.models(this.workspace);
      await fs.mkdir(models, { recursive: true });
      const stem = (this.record.templateName ?? splitExtension(path.basename(this.record.templateImage))[0]).replace(
        /[^A-Za-z0-9_-]+/g,
        '_',
      );
      const dest = path.join(models, `${this.record.engine}-${stem}-${this.record.id.slice(-8)}`);
      await fs.rm(path.join(files.model, 'checkpoint'), { recursive: true, force: true });
      await fs.rename(files.model, dest);
      this.record.modelDir = dest;
      await this.setState('done');
    } catch (err) {
      if (err instanceof CancelledError || this.abort.signal.aborted) await this.setState('cancelled');
      else await this.setState('failed', undefined, describeError(err));
    }
    await this.writes;
    return this.record;
  }

  /** record.seconds: earlier attempts plus this one's running time (pauses excluded). */
  private updateSeconds(): void {
    if (!this.started) return;
    const pausing = this.pausedSince === null ? 0 : performance.now() - this.pausedSince;
    this.record.seconds = this.baseSeconds + (performance.now() - this.started - this.pausedMs - pausing) / 1000;
  }
}
