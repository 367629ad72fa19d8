/**
 * The volume reader process (electron/host/volume-reader.ts): a read that takes too long is
 * stopped with a one-line reason, a reader that dies fails only what it was doing, and the next
 * read starts a fresh process.
 */
import { describe, expect, it, afterAll } from 'vitest';
import path from 'node:path';
import { VolumeReader } from '../../electron/host/volume-reader.js';
import { nodeLauncher } from '../../electron/host/engine-host.js';
import type { FromReader, ToReader } from '../../electron/host/reader-protocol.js';
import { RESOURCES } from '../helpers/test-server.js';

const SAMPLE = path.join(RESOURCES, 'sample', 'ixi');
const workerPath = new URL('../../electron/host/reader-worker.ts', import.meta.url).pathname;
const pids: number[] = [];
const launch = () => {
  const proc = nodeLauncher<ToReader, FromReader>(workerPath)();
  pids.push(proc.pid!);
  return proc;
};
const readers: VolumeReader[] = [];

afterAll(() => {
  for (const r of readers) r.dispose();
});

describe('volume reader process', () => {
  it('stops a read over the time limit with a one-line reason, and starts a fresh process for the next', async () => {
    // A reader that never answers (a hung decoder): only the time limit can end the request.
    const started: { killed: boolean }[] = [];
    const hung = () => {
      const state = { killed: false };
      started.push(state);
      return { send: () => undefined, onMessage: () => undefined, onExit: () => undefined, kill: () => void (state.killed = true) };
    };
    const reader = new VolumeReader(hung, 300);
    const t0 = Date.now();
    await expect(reader.read({ op: 'scan', image: '/data/slow.nii.gz' })).rejects.toThrow(/^reading took longer than 0 s and was stopped$/);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
    expect(started).toEqual([{ killed: true }]);
    await expect(reader.read({ op: 'scan', image: '/data/slow.nii.gz' })).rejects.toThrow(/longer than/);
    expect(started).toEqual([{ killed: true }, { killed: true }]);
  });

  it('fails the request in flight when the process dies, and recovers', async () => {
    const reader = new VolumeReader(launch);
    readers.push(reader);
    await reader.read({ op: 'scan', image: path.join(SAMPLE, 'IXI012_t1.nii.gz') });
    const inFlight = reader.read({ op: 'volume', file: path.join(SAMPLE, 'IXI012_t1.nii.gz'), kind: 'image' });
    process.kill(pids[pids.length - 1], 'SIGKILL');
    await expect(inFlight).rejects.toThrow(/the volume reader stopped unexpectedly \(signal SIGKILL\)/);
    const again = await reader.read({ op: 'volume', file: path.join(SAMPLE, 'IXI012_labels.nii.gz'), kind: 'labels' });
    expect(again.type).toBe('uint16');
    expect(again.data.length).toBe(again.dims[0] * again.dims[1] * again.dims[2]);
  }, 120_000);
});
