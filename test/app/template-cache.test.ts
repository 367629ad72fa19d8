/**
 * The engine host reads a run's template once (issue 12, item 6): a second scan of the same run
 * segments even after the template's files are gone, while a new run reads them afresh.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EngineHost, nodeLauncher } from '../../electron/host/engine-host.js';
import type { JobRequest } from '../../electron/host/protocol.js';
import { SHARED } from '../helpers/synthetic.js';
import { finishedJob } from '../helpers/host.js';

const H = (id: string, w: 'image' | 'labels') => path.join(SHARED, 'hippocampus', `hippocampus_${id}_${w}.nii.gz`);
const host = new EngineHost(nodeLauncher());
afterAll(() => host.dispose());

describe('engine host template cache', () => {
  it('keeps the template for the whole run, and only for it', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'lw-tcache-'));
    const templateImage = path.join(dir, 'template_image.nii.gz');
    const templateLabels = path.join(dir, 'template_labels.nii.gz');
    await fs.copyFile(H('001', 'image'), templateImage);
    await fs.copyFile(H('001', 'labels'), templateLabels);
    const request = (runId: string, scan: string, out: string): JobRequest => ({
      runId,
      templateImage,
      templateLabels,
      scan: H(scan, 'image'),
      scanLabels: H(scan, 'labels'),
      engine: 'affine',
      options: {},
      outDir: path.join(dir, out),
    });
    const run = async (id: string, r: JobRequest) => {
      const done = finishedJob(host, id);
      host.submit(id, r);
      return done;
    };
    const first = await run('job-1', request('run-a', '003', 'one'));
    expect(first.state, first.error).toBe('done');
    await fs.rm(templateImage);
    await fs.rm(templateLabels);
    const second = await run('job-2', request('run-a', '004', 'two'));
    expect(second.state, second.error).toBe('done');
    expect(second.outcome?.meanDice).toBeGreaterThan(0.3);
    const otherRun = await run('job-3', request('run-b', '004', 'three'));
    expect(otherRun.state).toBe('failed');
    // Both template files are gone: the host reads them together, so either may be named first.
    expect(otherRun.error).toMatch(/template_(image|labels)\.nii\.gz: file not found/);
    await fs.rm(dir, { recursive: true, force: true });
  });
});
