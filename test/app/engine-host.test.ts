import { describe, expect, it, afterAll } from 'vitest';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EngineHost, nodeLauncher } from '../../electron/host/engine-host.js';
import type { HostProcess, Job } from '../../electron/host/engine-host.js';
import type { JobRequest } from '../../electron/host/protocol.js';
import { SHARED } from '../helpers/synthetic.js';
import { finishedJob } from '../helpers/host.js';

const H = (id: string, w: 'image' | 'labels') => path.join(SHARED, 'hippocampus', `hippocampus_${id}_${w}.nii.gz`);
const procs: HostProcess[] = [];
const launch = nodeLauncher();
const host = new EngineHost(() => {
  const p = launch();
  procs.push(p);
  return p;
});
afterAll(() => host.dispose());

function request(out: string, engine = 'gn', scan = '003'): JobRequest {
  return {
    templateImage: H('001', 'image'),
    templateLabels: H('001', 'labels'),
    scan: H(scan, 'image'),
    scanLabels: H(scan, 'labels'),
    engine,
    options: {},
    outDir: out,
  };
}

const finished = (id: string): Promise<Job> => finishedJob(host, id);

describe('engine host (separate process, one queue)', () => {
  it('runs a job with progress and writes the results', async () => {
    const out = await fs.mkdtemp(path.join(os.tmpdir(), 'lw-host-'));
    const stages = new Set<string>();
    host.on('progress', (p) => stages.add(p.stage));
    const done = finished('job-a');
    host.submit('job-a', request(out));
    const job = await done;
    expect(job.state).toBe('done');
    expect(job.outcome?.meanDice).toBeGreaterThan(0.5);
    expect(stages).toContain('gauss-newton');
    const files = await fs.readdir(out);
    expect(files).toEqual(expect.arrayContaining(['labels.nii.gz', 'displacement.nii', 'jacobian.nii', 'grid.nii.gz', 'metrics.json']));
  });

  it('cancels a running job, and survives a crash of the host process (next job starts a fresh one)', async () => {
    const out = await fs.mkdtemp(path.join(os.tmpdir(), 'lw-host-'));
    // Cancel as soon as the Gauss-Newton stage is reached.
    const cancelled = finished('job-b');
    const onProgress = (p: { jobId: string; stage: string }) => {
      if (p.jobId === 'job-b' && p.stage === 'gauss-newton') host.cancel('job-b');
    };
    host.on('progress', onProgress);
    host.submit('job-b', request(path.join(out, 'b')));
    expect((await cancelled).state).toBe('cancelled');
    host.off('progress', onProgress);

    // Kill the host process in the middle of a job.
    const crashed = finished('job-c');
    const killOnProgress = (p: { jobId: string; stage: string }) => {
      if (p.jobId === 'job-c' && p.stage === 'features') procs[procs.length - 1].kill();
    };
    host.on('progress', killOnProgress);
    const before = procs.length;
    host.submit('job-c', request(path.join(out, 'c')));
    const c = await crashed;
    host.off('progress', killOnProgress);
    expect(c.state).toBe('failed');
    expect(c.error).toMatch(/engine host stopped unexpectedly/);

    const next = finished('job-d');
    host.submit('job-d', request(path.join(out, 'd'), 'affine', '004'));
    const d = await next;
    expect(d.state).toBe('done');
    expect(procs.length).toBe(before + 1);
  });

  it('reports a clear failure for bad input without stopping the host', async () => {
    const out = await fs.mkdtemp(path.join(os.tmpdir(), 'lw-host-'));
    const bad = finished('job-e');
    host.submit('job-e', { ...request(out), scan: path.join(out, 'missing.nii.gz'), scanLabels: undefined });
    const e = await bad;
    expect(e.state).toBe('failed');
    expect(e.error).toMatch(/missing\.nii\.gz: file not found/);
    expect(host.status().running).toBe(true);
  });
});
