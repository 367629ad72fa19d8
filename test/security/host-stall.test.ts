/**
 * Probes (issue 7, item 10): a frozen engine host is detected (heartbeat and stall timeout), its
 * job fails with the reason and the next job runs on a fresh host; and the host starts when the
 * server runs outside the repository root.
 */
import { describe, expect, it, afterEach } from 'vitest';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { EngineHost, nodeLauncher } from '../../electron/host/engine-host.js';
import type { JobRequest } from '../../electron/host/protocol.js';
import { SHARED } from '../helpers/synthetic.js';
import { ROOT } from '../helpers/cli.js';
import { finishedJob } from '../helpers/host.js';

const H = (id: string, w: 'image' | 'labels') => path.join(SHARED, 'hippocampus', `hippocampus_${id}_${w}.nii.gz`);
const FREEZE = pathToFileURL(path.join(ROOT, 'test', 'helpers', 'freeze-host.mjs')).href;

const request = (outDir: string, engine: string): JobRequest => ({
  templateImage: H('001', 'image'),
  templateLabels: H('001', 'labels'),
  scan: H('003', 'image'),
  scanLabels: H('003', 'labels'),
  engine,
  options: {},
  outDir,
});

const finished = finishedJob;

const hosts: EngineHost[] = [];
const cwd = process.cwd();
afterEach(() => {
  process.chdir(cwd);
  for (const h of hosts.splice(0)) h.dispose();
});

describe('engine host faults', () => {
  it('fails a job whose host freezes, with the reason, and runs the next job on a fresh host', { timeout: 120_000 }, async () => {
    const out = await fs.mkdtemp(path.join(os.tmpdir(), 'lw-host-stall-'));
    let launches = 0;
    const frozen = nodeLauncher(undefined, ['--import', FREEZE]);
    const healthy = nodeLauncher();
    const host = new EngineHost(() => (launches++ === 0 ? frozen() : healthy()), { stallTimeoutMs: 3000 });
    hosts.push(host);
    const first = finished(host, 'frozen');
    const t0 = performance.now();
    host.submit('frozen', request(path.join(out, 'a'), 'affine'));
    const a = await first;
    expect(a.state).toBe('failed');
    expect(a.error).toMatch(/engine host stopped responding \(no heartbeat for \d+ s\)/);
    expect(performance.now() - t0).toBeLessThan(60_000);

    const second = finished(host, 'after');
    host.submit('after', request(path.join(out, 'b'), 'affine'));
    const b = await second;
    expect(b.error).toBeUndefined();
    expect(b.state).toBe('done');
    expect(launches).toBe(2);
  });

  it('starts the host and runs a job when the process works outside the repository', { timeout: 120_000 }, async () => {
    const elsewhere = await fs.mkdtemp(path.join(os.tmpdir(), 'lw-host-cwd-'));
    process.chdir(elsewhere);
    const host = new EngineHost(nodeLauncher());
    hosts.push(host);
    const done = finished(host, 'cwd');
    host.submit('cwd', request(path.join(elsewhere, 'out'), 'affine'));
    const job = await done;
    expect(job.error).toBeUndefined();
    expect(job.state).toBe('done');
    expect(await fs.readdir(path.join(elsewhere, 'out'))).toContain('labels.nii.gz');
  });
});
