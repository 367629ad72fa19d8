/** Checks shared by the concurrency tests: a workspace holding every scan's result exactly once. */
import { expect } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { labelwarp } from './cli.js';
import { openWorkspace, listScans, listTemplates } from '../../core/workspace/workspace.js';
import { listRuns, runResults, readProvenance } from '../../core/workspace/runs.js';
import { verifyResult } from '../../core/workspace/provenance.js';

/** One template, `ids` as scans, one run with one intact result per scan, and a summary listing them all. */
export async function expectEveryResultOnce(workspace: string, ids: string[]): Promise<void> {
  const ws = await openWorkspace(workspace);
  expect((await listTemplates(ws)).map((t) => t.id)).toEqual(['hippocampus_001']);
  expect((await listScans(ws)).map((s) => s.id)).toEqual(ids);
  const runs = await listRuns(ws);
  expect(runs).toHaveLength(1);
  const results = await runResults(ws, runs[0].id);
  expect(results.map((r) => r.scan)).toEqual(ids);
  const scansInProvenance: string[] = [];
  for (const r of results) {
    expect(await verifyResult(r.dir)).toEqual([]);
    scansInProvenance.push((await readProvenance(r.dir)).scan.id);
  }
  expect(scansInProvenance).toEqual(ids);
  // No claim is left: no job reads as running or interrupted.
  const jobs = (await fs.readdir(path.join(ws.root, 'runs', runs[0].id, 'jobs'))).filter((n) => !n.startsWith('.'));
  expect(jobs).toEqual([]);
  const csv = path.join(path.dirname(workspace), `${path.basename(workspace)}-summary.csv`);
  const summary = await labelwarp(['cohort', 'summary', '--workspace', workspace, '--csv', csv]);
  expect(summary.code, summary.stderr).toBe(0);
  expect(summary.stdout).toMatch(new RegExp(`${ids.length} results, mean Dice 0\\.\\d{3}`));
  for (const id of ids) expect(summary.stdout).toContain(id);
  const rows = (await fs.readFile(csv, 'utf8')).trim().split('\n').slice(1);
  expect(new Set(rows.map((r) => r.split(',')[4]))).toEqual(new Set(ids));
  // Labels named by the table beside the template's label map (hippocampus/labels.txt).
  const nameColumn = (await fs.readFile(csv, 'utf8')).split('\n')[0].split(',').indexOf('label_name');
  expect(new Set(rows.map((r) => r.split(',')[nameColumn]))).toEqual(new Set(['Anterior hippocampus', 'Posterior hippocampus']));
  expect(rows).toHaveLength(ids.length * 2);
}
