/** The training screen's state: trainable engines, runs, the shown run's curves and live numbers. */
import { reactive } from 'vue';
import { api } from '../api/client';
import { attempt, notify } from '../store';
import type { TrainableEngineInfo, TrainingEstimateInfo, TrainingRunInfo } from '../../../core/ipc/contract';
import type { StepRecord, TrainingStage, ValidationRecord } from '../../../core/training/events';

export const training = reactive({
  engines: [] as TrainableEngineInfo[],
  runs: [] as TrainingRunInfo[],
  /** The run shown in the curves. */
  runId: '',
  steps: [] as StepRecord[],
  validations: [] as ValidationRecord[],
  stage: '' as TrainingStage | '',
  stageMessage: '',
  teacher: { done: 0, total: 0 },
  remainingSeconds: null as number | null,
  estimate: null as TrainingEstimateInfo | null,
  estimating: '' as string,
  /** Bumped when points arrive (the charts redraw). */
  version: 0,
});

export function shownRun(): TrainingRunInfo | undefined {
  return training.runs.find((r) => r.id === training.runId);
}

export async function refreshTraining(): Promise<void> {
  const [engines, runs] = await Promise.all([api.training.engines(), api.training.list()]);
  training.engines = engines;
  training.runs = runs;
  if (!training.runId && runs.length) await showRun(runs[runs.length - 1].id);
}

/** Shows a run: its curves from the run's log on disk (also after a restart). */
export async function showRun(runId: string): Promise<void> {
  training.runId = runId;
  const h = await attempt('Training history', () => api.training.history({ runId }));
  if (!h || training.runId !== runId) return;
  training.steps = h.steps;
  training.validations = h.validations;
  training.teacher = { done: h.teacher.done, total: h.teacher.total };
  training.remainingSeconds = null;
  training.version++;
}

function upsert<T extends { iteration: number }>(list: T[], x: T): void {
  const i = list.findIndex((y) => y.iteration >= x.iteration);
  if (i < 0) list.push(x);
  else if (list[i].iteration === x.iteration) list[i] = x;
  else list.splice(i, 0, x);
}

export function bindTrainingEvents(): void {
  api.on('training.onEvent', ({ runId, event: e }) => {
    const run = training.runs.find((r) => r.id === runId);
    if (e.type === 'state' && run) {
      run.state = e.state;
      run.error = e.error;
      run.pausedBy = e.state === 'paused' && e.reason ? e.reason.split(', ') : [];
    }
    if (e.type === 'backend' && run) {
      run.backend = e.backend;
      run.device = e.device;
    }
    if (runId !== training.runId) return;
    if (e.type === 'stage') {
      training.stage = e.stage;
      training.stageMessage = e.message ?? '';
    } else if (e.type === 'teacher') training.teacher = { done: e.done, total: e.total };
    else if (e.type === 'resume') {
      training.steps = training.steps.filter((s) => s.iteration <= e.from);
      training.validations = training.validations.filter((s) => s.iteration <= e.from);
      training.version++;
    } else if (e.type === 'step') {
      upsert(training.steps, { iteration: e.iteration, iterations: e.iterations, terms: e.terms, seconds: e.seconds, interval: e.interval });
      training.remainingSeconds = e.remainingSeconds;
      training.version++;
    } else if (e.type === 'validation') {
      upsert(training.validations, { iteration: e.iteration, dice: e.dice, seconds: e.seconds });
      training.version++;
    }
  });
  api.on('training.onRun', (r) => {
    const i = training.runs.findIndex((x) => x.id === r.id);
    if (i >= 0) training.runs[i] = r;
    else training.runs.push(r);
    if (r.state === 'done' && r.id === training.runId) notify('info', `training finished: model ${r.modelDir?.split(/[\\/]/).pop() ?? ''}`);
    if (r.state === 'failed' || r.state === 'interrupted') notify('error', `training ${r.state}: ${r.error ?? ''}`);
  });
  api.on('training.onEstimate', ({ message }) => {
    training.estimating = message;
  });
}

export function formatSeconds(s: number | null | undefined): string {
  if (s === null || s === undefined || !Number.isFinite(s)) return '—';
  if (s < 90) return `${s.toFixed(s < 10 ? 1 : 0)} s`;
  const m = Math.floor(s / 60);
  if (m < 90) return `${m} min ${Math.round(s - 60 * m)} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}
