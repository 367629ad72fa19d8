/** The cohort workspace's reactive state in the renderer (workspace service of the contract). */
import { nextTick, reactive } from 'vue';
import { api } from './api/client';
import { attempt, notify, store } from './store';
import type { BatchStatus, CohortSummary, WorkspaceView } from '../../core/ipc/contract';

export const cohort = reactive({
  view: null as WorkspaceView | null,
  batch: null as BatchStatus | null,
  summary: null as CohortSummary | null,
  /** The scan whose history is shown (set by a click in the summary plots too). */
  focusScan: '' as string,
});

let bound = false;
export function bindCohortEvents(): void {
  if (bound) return;
  bound = true;
  api.on('workspace.onChanged', (v) => {
    // Trained models follow the open workspace (its models/ folder).
    if (cohort.view?.root !== v.root) store.modelsVersion++;
    cohort.view = v;
  });
  api.on('workspace.onBatch', (b) => {
    const was = cohort.batch?.state;
    cohort.batch = b;
    if (was === 'running' && b.state !== 'running') {
      notify(b.state === 'finished' ? 'info' : 'error', `batch ${b.runId}: ${b.state} (${b.finished}/${b.total} done, ${b.failed} failed)`);
      void refreshSummary();
    }
  });
}

/** Opens one run's result of one workspace scan in the Review tab's viewers and switches to it. */
export async function openInReview(runId: string, scanId: string): Promise<void> {
  cohort.focusScan = scanId;
  const r = await attempt('Open in review', () => api.workspace.review({ scanId, runId }));
  if (!r) return;
  store.scans = await api.scans.list();
  // The Review tab first (its viewers get their size back), then the result it loads.
  store.view = 'review';
  await nextTick();
  store.reviewScanId = r.scanId;
  store.reviewVersion++;
}

export async function refreshSummary(): Promise<void> {
  if (!cohort.view) return;
  const s = await attempt('Summary', () => api.workspace.summary({}));
  if (s) cohort.summary = s;
}

export const seconds = (s?: number) => (s === undefined ? '…' : s < 90 ? `${Math.round(s)} s` : `${(s / 60).toFixed(1)} min`);
