/**
 * The app's workspace service over the real engine host: create a workspace, add a template and
 * hippocampus scans (a second import of the same file is noticed), run two engines in batch with
 * the host killed mid-run (the test's launcher keeps the host processes), resume, and finish with
 * every result once; history per scan, summary with the engine comparison, CSV export, removal.
 */
import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AppService } from '../../electron/app/app-service.js';
import type { HostProcess } from '../../electron/host/engine-host.js';
import { cohortApp } from '../helpers/cohort-app.js';
import type { BatchStatus, CohortSummary, WorkspaceView } from '../../core/ipc/contract.js';
import { HIPPO, TEMPLATE, hippocampusIds } from '../helpers/cohort.js';
import { runResults } from '../../core/workspace/runs.js';
import { openWorkspace } from '../../core/workspace/workspace.js';
import { verifyResult } from '../../core/workspace/provenance.js';

const SCANS = 4;
let tmp: string;
let app: AppService;
let procs: HostProcess[] = [];
const batches: BatchStatus[] = [];

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'lw-app-workspace-'));
  ({ app, procs } = await cohortApp(tmp));
  app.on((event, payload) => {
    if (event === 'workspace.onBatch') batches.push(payload as BatchStatus);
  });
});
afterAll(() => app?.dispose());

const call = <T>(channel: string, args: unknown = {}) => app.call(channel, args) as Promise<T>;

/** Resolves with the batch's last status once it is no longer running. */
function batchEnd(runId?: string): Promise<BatchStatus> {
  return new Promise((resolve) => {
    const timer = setInterval(() => {
      const last = batches.at(-1);
      if (last && last.state !== 'running' && (!runId || last.runId === runId)) {
        clearInterval(timer);
        resolve(last);
      }
    }, 200);
  });
}

describe('workspace service (app)', () => {
  it('batch runs of two engines survive a killed engine host: resumed, every result once, summary, comparison, CSV', async () => {
    const folder = path.join(tmp, 'ws');
    let view = await call<WorkspaceView>('workspace.open', { folder, create: true });
    expect(view.version).toBe(1);
    const t = await call<{ id: string; duplicate: boolean }>('workspace.importTemplate', TEMPLATE);
    const ids = await hippocampusIds(SCANS);
    const images = ids.map((id) => path.join(HIPPO, `hippocampus_${id}_image.nii.gz`));
    const imported = await call<{ imported: string[]; duplicates: string[] }>('workspace.importScans', { paths: images });
    expect(imported.imported).toHaveLength(SCANS);
    const again = await call<{ imported: string[]; duplicates: string[] }>('workspace.importScans', { paths: images.slice(0, 1) });
    expect(again).toEqual({ imported: [], duplicates: [imported.imported[0]], errors: [] });
    // A truncated file is refused when added, with its reason, not found out as a failed job later.
    const truncated = path.join(tmp, 'truncated_image.nii.gz');
    await fs.writeFile(truncated, (await fs.readFile(images[0])).subarray(0, 3000));
    const broken = await call<{ imported: string[]; errors: string[] }>('workspace.importScans', { paths: [truncated] });
    expect(broken.imported).toEqual([]);
    expect(broken.errors).toEqual([expect.stringMatching(/truncated_image\.nii\.gz: corrupt or truncated gzip data/)]);
    view = await call<WorkspaceView>('workspace.view');
    expect(view.scans.every((s) => s.hasReference)).toBe(true);

    // Engine 1, the host killed while the second scan runs.
    let killed = false;
    const kill = (event: string, payload: unknown) => {
      const b = payload as BatchStatus;
      if (event !== 'workspace.onBatch' || killed) return;
      const second = imported.imported[1];
      if (b.scans[second]?.state === 'running' && b.scans[second].fraction > 0.1) {
        killed = true;
        procs.at(-1)!.kill();
      }
    };
    const off = app.on(kill);
    const { runId: affineRun } = await call<{ runId: string }>('workspace.runBatch', {
      templateId: t.id,
      engine: 'affine',
      options: { levels: 2, iterations: [60, 30] },
    });
    const first = await batchEnd(affineRun);
    off();
    expect(killed).toBe(true);
    expect(first.state).toBe('interrupted');
    expect(first.scans[imported.imported[1]].state).toBe('interrupted');
    expect(batches.some((b) => b.etaSeconds !== undefined && b.fraction > 0 && b.fraction < 1)).toBe(true);
    view = await call<WorkspaceView>('workspace.view');
    expect(view.runs[0].interrupted).toEqual([imported.imported[1]]);
    expect(view.runs[0].done).toBe(SCANS - 1);

    // Reopen and resume: the interrupted scan is redone, the others skipped.
    view = await call<WorkspaceView>('workspace.open', { folder });
    expect(view.runs[0].interrupted).toEqual([imported.imported[1]]);
    await call('workspace.resume', { runId: affineRun });
    const resumed = await batchEnd(affineRun);
    expect(resumed.state).toBe('finished');
    expect(
      Object.values(resumed.scans)
        .map((s) => s.state)
        .sort(),
    ).toEqual(['done', 'skipped', 'skipped', 'skipped']);

    // Engine 2.
    batches.length = 0;
    const { runId: studentRun } = await call<{ runId: string }>('workspace.runBatch', { templateId: t.id, engine: 'student' });
    expect((await batchEnd(studentRun)).state).toBe('finished');

    const ws = await openWorkspace(folder);
    for (const run of [affineRun, studentRun]) {
      const results = await runResults(ws, run);
      expect(results.map((r) => r.scan)).toEqual(imported.imported);
      for (const r of results) expect(await verifyResult(r.dir)).toEqual([]);
    }
    view = await call<WorkspaceView>('workspace.view');
    expect(view.runs.map((r) => r.interrupted.length)).toEqual([0, 0]);
    const scan0 = view.scans[0];
    expect(scan0.history.map((h) => h.engine).sort()).toEqual(['affine', 'student']);
    expect(scan0.shownRun).toBe(scan0.history[0].run);
    view = await call<WorkspaceView>('workspace.show', { scanId: scan0.id, runId: scan0.history[1].run });
    expect(view.scans[0].shownRun).toBe(scan0.history[1].run);

    const summary = await call<CohortSummary>('workspace.summary', {});
    expect(summary.runs.map((r) => r.rows.length)).toEqual([SCANS, SCANS]);
    expect(summary.comparisons).toHaveLength(1);
    expect(summary.comparisons[0].scans).toHaveLength(SCANS);
    expect(summary.comparisons[0].perLabel.map((l) => l.label)).toEqual([1, 2]);
    expect(summary.comparisons[0].secondsPerScan.a).toBeGreaterThan(0);
    const csv = await call<{ file: string; rows: number }>('workspace.exportCsv', { file: path.join(tmp, 'cohort.csv') });
    expect(csv.rows).toBe(2 * SCANS * 2);
    // The labels are named by the table found beside the template's label map (labels.txt), as in Review.
    expect(summary.runs.map((r) => r.labelNames)).toEqual(Array(2).fill({ '1': 'Anterior hippocampus', '2': 'Posterior hippocampus' }));
    const lines = (await fs.readFile(path.join(tmp, 'cohort.csv'), 'utf8')).trim().split('\n');
    const column = lines[0].split(',').indexOf('label_name');
    expect(new Set(lines.slice(1).map((l) => l.split(',')[column]))).toEqual(new Set(['Anterior hippocampus', 'Posterior hippocampus']));
    await expect(call('workspace.exportCsv', { file: path.join(HIPPO, 'x.csv') })).rejects.toThrow();

    view = await call<WorkspaceView>('workspace.removeResult', { runId: studentRun, scanId: scan0.id });
    expect(view.scans[0].history.map((h) => h.engine)).toEqual(['affine']);
  });
});
