/** The renderer's reactive state and the actions that talk to the application. */
import { reactive } from 'vue';
import { api } from './api/client';
import type { BackendStatus, EngineInfo, JobProgress, LabelRow, ScanSummary, TemplateSummary } from '../../core/ipc/contract';

export interface Notice {
  id: number;
  kind: 'error' | 'info';
  text: string;
}

export const store = reactive({
  templates: [] as TemplateSummary[],
  scans: [] as ScanSummary[],
  engines: [] as EngineInfo[],
  status: null as BackendStatus | null,
  templateId: '' as string,
  reviewScanId: '' as string,
  selected: new Set<string>(),
  engine: '' as string,
  progress: {} as Record<string, JobProgress>,
  runFraction: 0,
  runningJobs: new Set<string>(),
  labelRows: [] as LabelRow[],
  notices: [] as Notice[],
  reviewVersion: 0,
  /** The reviewed result's label table (names and colours, 0–255), by label value. */
  labelTable: [] as ReviewLabel[],
  /** Labels present in the reviewed result's transferred map. */
  presentLabels: [] as number[],
  /** Labels of the transferred map hidden in the viewers. */
  hiddenLabels: new Set<number>(),
  /** The label picked in the table or the legend: the viewers move to it and draw it thicker. */
  focus: { label: 0, seq: 0 },
  /** How the last run ended (the overall bar says so instead of "finished"). */
  runOutcome: '' as '' | 'finished' | 'cancelled' | 'failed',
  /** Bumped when a training finishes (model lists reload). */
  modelsVersion: 0,
  /** The app's screen: the Review tab's viewers, the cohort workspace or training. */
  view: 'review' as 'review' | 'cohort' | 'training',
});

export interface ReviewLabel {
  label: number;
  name: string;
  colour: [number, number, number];
}

/** Moves the viewers to a label and highlights it. */
export function focusLabel(label: number): void {
  store.focus = { label, seq: store.focus.seq + 1 };
}

/** Names in natural order ("Label 2" before "Label 10"). */
export const naturalCompare = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' }).compare;

let noticeId = 1;
export function notify(kind: Notice['kind'], text: string): void {
  const n = { id: noticeId++, kind, text };
  store.notices.push(n);
  if (kind === 'info') setTimeout(() => dismiss(n.id), 6000);
}
export function dismiss(id: number): void {
  store.notices = store.notices.filter((n) => n.id !== id);
}

/** Runs an action and turns a failure into a notice (never an unhandled rejection). */
export async function attempt<T>(what: string, fn: () => Promise<T>): Promise<T | undefined> {
  try {
    return await fn();
  } catch (err) {
    notify('error', `${what}: ${err instanceof Error ? err.message : String(err)}`);
    return undefined;
  }
}

export async function refreshAll(): Promise<void> {
  const [templates, scans, engines, status] = await Promise.all([
    api.templates.list(),
    api.scans.list(),
    api.system.engines(),
    api.system.status(),
  ]);
  store.templates = templates;
  store.scans = scans;
  store.engines = engines;
  store.status = status;
  if (!store.templateId && templates.length) store.templateId = templates[0].id;
  if (!store.engine && engines.length) store.engine = engines.find((e) => e.deformable)?.name ?? engines[0].name;
}

export function bindEvents(): void {
  api.on('training.onRun', (r) => {
    if (r.state === 'done') store.modelsVersion++;
  });
  api.on('scans.onChanged', (scans) => {
    store.scans = scans;
  });
  api.on('system.onStatus', (s) => {
    store.status = s;
  });
  api.on('jobs.onProgress', (p) => {
    store.progress[p.scanId] = p;
    store.runFraction = p.runFraction;
    store.runningJobs.add(p.jobId);
  });
  api.on('jobs.onDone', (d) => {
    store.runningJobs.delete(d.jobId);
    delete store.progress[d.scanId];
    if (d.status === 'cancelled') store.runOutcome = 'cancelled';
    else if (d.status === 'failed' && store.runOutcome !== 'cancelled') store.runOutcome = 'failed';
    if (store.runningJobs.size === 0 && !store.runOutcome) {
      store.runOutcome = 'finished';
      store.runFraction = 1;
    }
    const scan = store.scans.find((s) => s.id === d.scanId);
    if (d.status === 'failed') notify('error', `${scan?.name ?? d.scanId}: ${d.error ?? 'failed'}`);
    else if (d.status === 'cancelled') notify('info', `${scan?.name ?? d.scanId}: cancelled`);
    else if (d.status === 'done') {
      notify(
        'info',
        `${scan?.name ?? d.scanId}: done${d.result?.meanDice !== undefined ? `, mean Dice ${d.result.meanDice.toFixed(3)}` : ''}`,
      );
      // A poor result is shown (it is the newest), but an earlier plausible one stays one choice away.
      const kept = d.result?.quality?.light === 'red' ? scan?.results?.slice(0, -1).reverse().find((r) => r.quality?.light !== 'red') : undefined;
      if (kept)
        notify('info', `${scan?.name}: the new result looks implausible; the earlier ${kept.engine} result is kept (choose it in the scan's result list)`);
      if (!store.reviewScanId || store.reviewScanId === d.scanId) {
        store.reviewScanId = d.scanId;
        store.reviewVersion++;
      }
    }
  });
}

export async function loadLabelRows(): Promise<void> {
  const scan = store.scans.find((s) => s.id === store.reviewScanId);
  store.labelRows =
    scan?.result ? ((await attempt('Label table', () => api.results.labels({ scanId: scan.id }))) ?? []) : [];
}
