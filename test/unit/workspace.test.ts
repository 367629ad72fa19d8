import { describe, expect, it, beforeAll } from 'vitest';
import { promises as fs } from 'node:fs';
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import {
  openWorkspace,
  importScan,
  importTemplate,
  listScans,
  listTemplates,
  renameItem,
  removeItem,
} from '../../core/workspace/workspace.js';
import { defineRun, listRuns, runResults, removeResult } from '../../core/workspace/runs.js';
import { claimJob, jobStatus } from '../../core/workspace/jobs.js';
import { runBatch, parseShard, shardOf } from '../../core/workspace/batch.js';
import { verifyResult } from '../../core/workspace/provenance.js';
import { summarizeWorkspace, summaryCsv, scanHistory, CSV_HEADER } from '../../core/workspace/summary.js';
import { createFolder } from '../../core/results/commit-folder.js';
import { labelVolumes } from '../../core/metrics/volumes.js';
import { dirs, WORKSPACE_FILE } from '../../core/workspace/layout.js';
import { HIPPO, TEMPLATE } from '../helpers/cohort.js';
import { grid } from '../helpers/synthetic.js';

let tmp: string;
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'lw-workspace-'));
});

const scan = (id: string) => ({
  image: path.join(HIPPO, `hippocampus_${id}_image.nii.gz`),
  labels: path.join(HIPPO, `hippocampus_${id}_labels.nii.gz`),
});
const FAST = { levels: '1', iterations: '20' };

describe('cohort workspace', () => {
  it('is created once, opened again, and refuses other folders and newer versions with a reason', async () => {
    const root = path.join(tmp, 'ws-open');
    await expect(openWorkspace(root)).rejects.toThrow(/not a LabelWarp workspace/);
    const ws = await openWorkspace(root, { create: true });
    expect(ws.info.version).toBe(1);
    expect((await openWorkspace(root)).info.createdAt).toBe(ws.info.createdAt);
    const other = path.join(tmp, 'other');
    await fs.mkdir(other);
    await fs.writeFile(path.join(other, 'notes.txt'), 'x');
    await expect(openWorkspace(other, { create: true })).rejects.toThrow(/holds other files \(notes\.txt\)/);
    const newer = path.join(tmp, 'newer');
    await fs.mkdir(newer);
    await fs.writeFile(
      path.join(newer, WORKSPACE_FILE),
      JSON.stringify({ format: 'labelwarp-workspace', version: 7, createdAt: '', createdBy: '' }),
    );
    await expect(openWorkspace(newer)).rejects.toThrow(/newer LabelWarp \(workspace version 7; .* reads versions up to 1\)/);
    await fs.writeFile(path.join(newer, WORKSPACE_FILE), '{"format":');
    await expect(openWorkspace(newer)).rejects.toThrow(/workspace\.json: is not valid JSON/);
  });

  it('is created by one of many callers at once; the others open it (Slurm array tasks start together)', async () => {
    for (let round = 0; round < 20; round++) {
      const root = path.join(tmp, `ws-race-${round}`);
      // Staggered starts, so that some callers look while another is between creating and linking.
      const opened = await Promise.all(
        Array.from({ length: 12 }, async (_, i) => {
          for (let t = 0; t < i; t++) await new Promise((r) => setImmediate(r));
          return openWorkspace(root, { create: true });
        }),
      );
      expect(new Set(opened.map((w) => w.info.createdAt)).size).toBe(1);
    }
  });

  it('notices a file imported twice, renames and removes scans and templates', async () => {
    const ws = await openWorkspace(path.join(tmp, 'ws-import'), { create: true });
    const t1 = await importTemplate(ws, TEMPLATE);
    const t2 = await importTemplate(ws, TEMPLATE);
    expect(t1.duplicate).toBe(false);
    expect(t2.duplicate).toBe(true);
    expect(t2.record.id).toBe(t1.record.id);
    const a = await importScan(ws, scan('003'));
    const again = await importScan(ws, { ...scan('003'), name: 'another name' });
    expect(again.duplicate).toBe(true);
    // The same name with other content gets its own id.
    const b = await importScan(ws, { ...scan('004'), name: 'hippocampus_003' });
    expect(b.record.id).toBe('hippocampus_003-2');
    expect((await listScans(ws)).map((s) => s.id)).toEqual(['hippocampus_003', 'hippocampus_003-2']);
    await renameItem(ws, 'scan', a.record.id, 'subject A');
    expect((await listScans(ws)).find((s) => s.id === a.record.id)!.name).toBe('subject A');
    await renameItem(ws, 'template', t1.record.id, 'hippocampus atlas');
    expect((await listTemplates(ws))[0].name).toBe('hippocampus atlas');
    await removeItem(ws, 'scan', b.record.id);
    expect((await listScans(ws)).map((s) => s.id)).toEqual(['hippocampus_003']);
    await expect(removeItem(ws, 'scan', 'nope')).rejects.toThrow(/does not exist/);
    await expect(importScan(ws, { image: path.join(HIPPO, 'labels.txt') })).rejects.toThrow(/cannot be imported/);
  });

  it('runs a batch: results with provenance and volumes, finished ones kept, interrupted ones redone', async () => {
    const ws = await openWorkspace(path.join(tmp, 'ws-batch'), { create: true });
    const t = (await importTemplate(ws, TEMPLATE)).record;
    const ids = [];
    for (const id of ['003', '004', '006']) ids.push((await importScan(ws, id === '006' ? { image: scan(id).image } : scan(id))).record.id);
    const run = await defineRun(ws, { templateId: t.id, engine: 'affine', options: FAST });
    expect((await defineRun(ws, { templateId: t.id, engine: 'affine', options: { ...FAST } })).id).toBe(run.id);
    // A job left by a process that died: interrupted.
    const dead = spawnSync(process.execPath, ['-e', '']).pid!;
    await fs.writeFile(dirs.claim(ws.root, run.id, ids[1]), JSON.stringify({ pid: dead, host: os.hostname(), token: 'x', startedAt: '' }));
    expect((await jobStatus(ws, run.id, ids[1])).state).toBe('interrupted');
    const first = await runBatch(ws, run, ids.slice(0, 2));
    expect(first.done).toEqual(ids.slice(0, 2));
    expect(first.redone).toEqual([ids[1]]);
    const before = await fs.stat(path.join(dirs.result(ws.root, run.id, ids[0]), 'provenance.json'));
    const progress: number[] = [];
    const second = await runBatch(ws, run, ids, { onProgress: (p) => progress.push(p.fraction) });
    expect(second.skipped).toEqual(ids.slice(0, 2));
    expect(second.done).toEqual([ids[2]]);
    expect(progress.at(-1)).toBe(1);
    // Finished results are never rewritten.
    expect((await fs.stat(path.join(dirs.result(ws.root, run.id, ids[0]), 'provenance.json'))).mtimeMs).toBe(before.mtimeMs);
    const results = await runResults(ws, run.id);
    expect(results.map((r) => r.scan)).toEqual(ids);
    for (const r of results) {
      expect(await verifyResult(r.dir)).toEqual([]);
      const files = await fs.readdir(r.dir);
      for (const f of ['labels.nii.gz', 'displacement.nii', 'warped-template.nii', 'metrics.json', 'provenance.json'])
        expect(files).toContain(f);
      const prov = JSON.parse(await fs.readFile(path.join(r.dir, 'provenance.json'), 'utf8'));
      expect(prov.labelwarp.version).toMatch(/\d+\.\d+/);
      expect(prov.engine).toEqual({ name: 'affine', options: { levels: 1, iterations: [20] } });
      expect(prov.template.imageSha256).toBe(t.image.sha256);
      expect(prov.backend).toBe('none needed (typed-array kernels on the CPU)'); // affine needs no tensors
      expect(prov.timings.stages.registration).toBeGreaterThan(0);
      const metrics = JSON.parse(await fs.readFile(path.join(r.dir, 'metrics.json'), 'utf8'));
      expect(metrics.volumes.map((v: { label: number }) => v.label)).toEqual([1, 2]);
      expect(metrics.volumes[0].volumeMl).toBeGreaterThan(0.3);
      // Reference volumes only where the scan has reference labels (006 was imported without).
      expect(metrics.volumes[0].referenceVolumeMl === undefined).toBe(r.scan === ids[2]);
    }
    // A damaged file is detected against the provenance record.
    const victim = path.join(results[0].dir, 'labels.nii.gz');
    const bytes = await fs.readFile(victim);
    await fs.writeFile(victim, bytes.subarray(0, bytes.length - 10));
    expect((await verifyResult(results[0].dir))[0]).toMatch(/labels\.nii\.gz: \d+ bytes, provenance says/);
    await fs.writeFile(victim, bytes);

    // Summary: one run, three rows, outliers computed, CSV with one row per result and label.
    const summary = await summarizeWorkspace(ws);
    expect(summary.runs).toHaveLength(1);
    expect(summary.runs[0].rows.map((r) => r.scan)).toEqual(ids);
    expect(summary.runs[0].dice.map((d) => d.distribution.n)).toEqual([2, 2]);
    const csv = summaryCsv(summary).trim().split('\n');
    expect(csv[0]).toBe(CSV_HEADER.join(','));
    expect(csv).toHaveLength(1 + 3 * 2);

    // A second engine configuration is another run: both kept, compared on the scans they share.
    const other = await defineRun(ws, { templateId: t.id, engine: 'affine', options: { levels: '2', iterations: '30,10' } });
    expect(other.id).not.toBe(run.id);
    await runBatch(ws, other, ids.slice(0, 2));
    const both = await summarizeWorkspace(ws);
    expect(both.runs).toHaveLength(2);
    expect(both.comparisons).toHaveLength(1);
    expect(both.comparisons[0].scans).toHaveLength(2);
    expect(both.comparisons[0].perLabel.map((l) => l.n)).toEqual([2, 2]);
    const d = both.comparisons[0].perLabel[0];
    expect(d.meanDifference).toBeCloseTo(d.meanB - d.meanA, 10);
    expect((await listRuns(ws)).length).toBe(2);
    // A scan's history: both results, newest first, with their engine options.
    const history = await scanHistory(ws, ids[0]);
    expect(history.map((h) => h.run)).toEqual([other.id, run.id]);
    expect(history[0].options).toEqual({ levels: 2, iterations: [30, 10] });
    expect(history[1].meanDice).toBeGreaterThan(0.3);

    await removeResult(ws, other.id, ids[0]);
    expect((await runResults(ws, other.id)).map((r) => r.scan)).toEqual([ids[1]]);
  });

  it('claims a job once, and commits a result folder only where none exists', async () => {
    const ws = await openWorkspace(path.join(tmp, 'ws-claims'), { create: true });
    const t = (await importTemplate(ws, TEMPLATE)).record;
    const run = await defineRun(ws, { templateId: t.id, engine: 'affine' });
    const [c1, c2] = await Promise.all([claimJob(ws, run.id, 's1'), claimJob(ws, run.id, 's1')]);
    expect([c1, c2].filter(Boolean)).toHaveLength(1);
    expect((await jobStatus(ws, run.id, 's1')).state).toBe('running');
    await (c1 ?? c2)!.release();
    expect((await jobStatus(ws, run.id, 's1')).state).toBe('pending');
    const target = path.join(tmp, 'once', 'r');
    const made = await Promise.all([1, 2, 3].map((n) => createFolder(target, (s) => fs.writeFile(path.join(s, 'f.txt'), String(n)))));
    expect(made.filter(Boolean)).toHaveLength(1);
    const kept = await fs.readFile(path.join(target, 'f.txt'), 'utf8');
    expect(await createFolder(target, (s) => fs.writeFile(path.join(s, 'f.txt'), 'again'))).toBe(false);
    expect(await fs.readFile(path.join(target, 'f.txt'), 'utf8')).toBe(kept);
    expect((await fs.readdir(path.dirname(target))).filter((n) => n.startsWith('.'))).toEqual([]);
  });

  it('shards every N-th scan and measures volumes in ml', () => {
    expect(shardOf([0, 1, 2, 3, 4, 5, 6], parseShard('1/3'))).toEqual([1, 4]);
    expect(() => parseShard('3/3')).toThrow(/0 ≤ K < N/);
    expect(() => parseShard('a/b')).toThrow(/K\/N/);
    const g = grid([4, 1, 1], [2, 1, 0.5]);
    expect(labelVolumes([1, 1, 0, 2], g)).toEqual([
      { label: 1, volumeMl: 0.002 },
      { label: 2, volumeMl: 0.001 },
    ]);
    expect(labelVolumes([1, 0, 0, 0], g, [3, 1, 1, 0])).toEqual([
      { label: 1, volumeMl: 0.001, referenceVolumeMl: 0.002 },
      { label: 3, volumeMl: 0, referenceVolumeMl: 0.001 },
    ]);
  });
});
