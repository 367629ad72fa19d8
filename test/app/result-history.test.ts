/**
 * A scan's results in the app (not a cohort workspace): a later, implausible run never makes an
 * earlier plausible result unreachable (issue 12), and the Dice rows are named by the reference's
 * own label table. Real engine host and volume reader, affine on a hippocampus crop (seconds).
 */
import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { promises as fs, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AppService } from '../../electron/app/app-service.js';
import { AppState } from '../../electron/app/app-state.js';
import { AllowedRoots } from '../../electron/security/roots.js';
import type { LabelRow, ResultSummary, ScanSummary, TemplateSummary } from '../../core/ipc/contract.js';
import { SHARED } from '../helpers/synthetic.js';
import { ROOT } from '../helpers/cli.js';

const HIPPO = path.join(SHARED, 'hippocampus');
let dir: string;
let app: AppService;

/** Runs the affine engine with a template on a scan and waits for its end. */
async function run(templateId: string, scanId: string): Promise<ResultSummary> {
  const done = new Promise<{ status: string; error?: string; result?: ResultSummary }>((resolve) => {
    const off = app.on((event, payload) => {
      if (event !== 'jobs.onDone') return;
      off();
      resolve(payload as { status: string; result?: ResultSummary });
    });
  });
  await app.call('jobs.run', { templateId, scanIds: [scanId], engine: 'affine', options: {} });
  const d = await done;
  expect(d.status, d.error).toBe('done');
  return d.result!;
}

const scanOf = async (id: string) => ((await app.call('scans.list', {})) as ScanSummary[]).find((s) => s.id === id)!;

describe('a scan keeps all its results; Dice rows are named by the reference', () => {
  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'lw-history-'));
    const roots = new AllowedRoots();
    await roots.add(HIPPO, false);
    await fs.mkdir(path.join(dir, 'exports'));
    await roots.add(path.join(dir, 'exports'), true);
    app = new AppService({ stateDir: path.join(dir, 'state'), resourcesDir: path.join(ROOT, 'resources'), roots });
    await app.init();
  });
  afterAll(async () => {
    app?.dispose();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('keeps a plausible result when an implausible run of the same scan follows, and shows either on request', async () => {
    const hippo = (await app.call('templates.import', {
      image: path.join(HIPPO, 'hippocampus_001_image.nii.gz'),
      labels: path.join(HIPPO, 'hippocampus_001_labels.nii.gz'),
    })) as TemplateSummary;
    const { added } = (await app.call('scans.add', { paths: [path.join(HIPPO, 'hippocampus_003_image.nii.gz')] })) as {
      added: ScanSummary[];
    };
    const scan = added[0];
    expect(scan.referenceLabels).toMatch(/hippocampus_003_labels/);

    // The right template: plausible. Then the bundled whole-brain template on the hippocampus crop: red.
    const good = await run(hippo.id, scan.id);
    expect(good.quality?.light).not.toBe('red');
    const poor = await run('sample-ixi012', scan.id);
    expect(poor.quality?.light).toBe('red');

    // The newest is shown; both are kept, oldest first, each with its own complete folder.
    let s = await scanOf(scan.id);
    expect(s.result?.jobId).toBe(poor.jobId);
    expect(s.results?.map((r) => r.jobId)).toEqual([good.jobId, poor.jobId]);
    expect(good.folder).not.toBe(poor.folder);
    for (const r of [good, poor]) {
      expect(existsSync(path.join(r.folder, 'metrics.json'))).toBe(true);
      expect(existsSync(path.join(r.folder, 'labels.nii.gz'))).toBe(true);
      expect(r.finishedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    }

    // The Dice rows of the poor result: the reference's labels named by the reference's table
    // (labels.txt beside it), with the whole-brain template's own name of the same value beside.
    const poorRows = (await app.call('results.labels', { scanId: scan.id })) as LabelRow[];
    expect(poorRows.map((r) => r.name)).toEqual(['Anterior hippocampus', 'Posterior hippocampus']);
    expect(poorRows[0].templateName).toMatch(/^Label 1 \(inside the intracranial volume/);

    // The good one is one choice away: the viewers, the table and export follow the choice.
    s = (await app.call('results.select', { scanId: scan.id, jobId: good.jobId })) as ScanSummary;
    expect(s.result?.jobId).toBe(good.jobId);
    const goodRows = (await app.call('results.labels', { scanId: scan.id })) as LabelRow[];
    expect(goodRows.map((r) => [r.name, r.templateName])).toEqual([
      ['Anterior hippocampus', undefined],
      ['Posterior hippocampus', undefined],
    ]);
    expect(goodRows[0].dice).toBeGreaterThan(poorRows[0].dice!);
    const labels = (await app.call('results.volume', { scanId: scan.id, layer: 'labels' })) as { dims: number[] };
    expect(labels.dims).toEqual(scan.info.dims);
    await expect(app.call('results.select', { scanId: scan.id, jobId: 'job-0000000000' })).rejects.toThrow(
      /no result of job job-0000000000/,
    );

    // Export: the chosen result's files; the same result again is fine, another result never
    // replaces them (a second scan exported into the same folder by mistake).
    const target = path.join(dir, 'exports', 'one');
    await app.call('results.export', { scanId: scan.id, folder: target });
    await app.call('results.export', { scanId: scan.id, folder: target });
    const exported = await fs.readFile(path.join(target, 'metrics.json'), 'utf8');
    expect(exported).toBe(await fs.readFile(path.join(good.folder, 'metrics.json'), 'utf8'));
    await app.call('results.select', { scanId: scan.id, jobId: poor.jobId });
    await expect(app.call('results.export', { scanId: scan.id, folder: target })).rejects.toThrow(
      /one: already holds .*labels\.nii\.gz.* of another result, which an export would replace: choose an empty folder/,
    );
    expect(await fs.readFile(path.join(target, 'metrics.json'), 'utf8')).toBe(exported);
    await app.call('results.export', { scanId: scan.id, folder: path.join(dir, 'exports', 'two') });
    // A file where the folder should be: one line, the file untouched.
    const aFile = path.join(dir, 'exports', 'notes.txt');
    await fs.writeFile(aFile, 'keep me');
    await expect(app.call('results.export', { scanId: scan.id, folder: aFile })).rejects.toThrow(/notes\.txt: is a file, not a folder/);
    expect(await fs.readFile(aFile, 'utf8')).toBe('keep me');
    await app.call('results.select', { scanId: scan.id, jobId: good.jobId });

    // A scan without reference labels: the table gives each transferred label's volume, no Dice.
    const bare = path.join(dir, 'exports', 'bare_image.nii.gz');
    await fs.copyFile(path.join(HIPPO, 'hippocampus_004_image.nii.gz'), bare);
    const plain = ((await app.call('scans.add', { paths: [bare] })) as { added: ScanSummary[] }).added[0];
    expect(plain.referenceLabels).toBeUndefined();
    const plainResult = await run(hippo.id, plain.id);
    const volumeRows = (await app.call('results.labels', { scanId: plain.id })) as LabelRow[];
    const plainMetrics = JSON.parse(await fs.readFile(path.join(plainResult.folder, 'metrics.json'), 'utf8')) as {
      volumes: { label: number; volumeMl: number }[];
    };
    expect(volumeRows.map((r) => r.label)).toEqual(plainMetrics.volumes.map((v) => v.label));
    for (const r of volumeRows) {
      expect(r.dice).toBeUndefined();
      expect(r.transferredMm3).toBeCloseTo(plainMetrics.volumes.find((v) => v.label === r.label)!.volumeMl * 1000, 6);
      expect(r.transferredMm3).toBeGreaterThan(0);
    }
    // With a reference, each row also carries the transferred volume beside the reference's.
    expect(goodRows.every((r) => r.transferredMm3! > 0 && r.volumeMm3 > 0)).toBe(true);

    // The choice and the history outlive the app.
    const again = new AppState(path.join(dir, 'state'), path.join(ROOT, 'resources'));
    await again.load();
    const stored = again.scan(scan.id);
    expect(stored.result?.jobId).toBe(good.jobId);
    expect(stored.results?.map((r) => r.jobId)).toEqual([good.jobId, poor.jobId]);
  }, 240_000);

  it('reads states written before results were kept: the one result becomes the history', async () => {
    const state = path.join(dir, 'old-state');
    await fs.mkdir(state, { recursive: true });
    const result: ResultSummary = {
      jobId: 'job-0123456789',
      engine: 'affine',
      templateId: 'sample-ixi012',
      seconds: 1,
      warnings: [],
      folder: dir,
    };
    const scan = {
      id: 'scan-0123456789',
      name: 'x',
      image: path.join(dir, 'x.nii.gz'),
      info: { dims: [1, 1, 1], spacing: [1, 1, 1] },
      status: 'done',
      result,
    };
    await fs.writeFile(path.join(state, 'state.json'), JSON.stringify({ templates: [], scans: [scan] }));
    const s = new AppState(state, path.join(ROOT, 'resources'));
    await s.load();
    expect(s.scan(scan.id).results).toEqual([result]);
    expect(s.scan(scan.id).result).toEqual(result);
  });
});
