/**
 * Probe (issue 7, item 1): one bad WebSocket frame must close that one connection, never the
 * server. Each frame below used to end the process (an 'error' without a listener) and the running
 * job with it. After each, a fresh connection is served, and a job running all along finishes.
 */
import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import path from 'node:path';
import { SHARED } from '../helpers/synthetic.js';
import { connect, frame, sendRaw, startServerProcess } from './server-harness.js';
import type { Client, ServerProcess } from './server-harness.js';

const TEXT = 0x1;
const MiB = 1 << 20;
const scan = path.join(SHARED, 'ixi-brain', 'IXI013_t1.nii.gz');

/** 300 paths of 4,000 characters: within the old contract's limits (1000 × 4096), over the 1 MiB transport limit. */
function bigScansAdd(): Buffer {
  const paths = Array.from({ length: 300 }, (_, i) => `/data/${String(i).padStart(4, '0')}/${'x'.repeat(3989)}`);
  return Buffer.from(JSON.stringify({ id: 1, channel: 'scans.add', args: { paths } }));
}

const PROBES: [string, () => Buffer][] = [
  ['a message over 1 MiB', () => frame({ opcode: TEXT, payload: Buffer.alloc(MiB + 4096, 0x61) })],
  ['a length header claiming 2^40 bytes', () => frame({ opcode: TEXT, payload: Buffer.alloc(16, 0x61), claimedLength: 1n << 40n })],
  ['bad UTF-8', () => frame({ opcode: TEXT, payload: Buffer.from([0x7b, 0xff, 0xfe, 0xc3, 0x28, 0x7d]) })],
  ['RSV1 set (no extension negotiated)', () => frame({ opcode: TEXT, payload: Buffer.from('{}'), rsv1: true })],
  ['an unmasked client frame', () => frame({ opcode: TEXT, payload: Buffer.from('{"id":1}'), masked: false })],
  ['opcode 3 (reserved)', () => frame({ opcode: 0x3, payload: Buffer.from('abc') })],
  ['a scans.add the old contract allowed, over the payload limit', () => frame({ opcode: TEXT, payload: bigScansAdd() })],
];

let server: ServerProcess;
let watcher: Client;

describe('browser mode survives bad WebSocket frames', () => {
  beforeAll(async () => {
    server = await startServerProcess([`r:${SHARED}`]);
    watcher = await connect(server.port, server.token);
  });

  afterAll(async () => {
    watcher?.close();
    await server?.stop();
  });

  it('closes only the offending connection for each frame, keeps serving, and a running job finishes', async () => {
    // A job running on the engine host throughout.
    const added = await watcher.ask('scans.add', { paths: [scan] });
    expect(added.ok, added.error).toBe(true);
    const scanId = (added.result as { added: { id: string }[] }).added[0].id;
    const run = await watcher.ask('jobs.run', { templateId: 'sample-ixi012', scanIds: [scanId], engine: 'affine' });
    expect(run.ok, run.error).toBe(true);
    const jobId = (run.result as { jobIds: string[] }).jobIds[0];
    const done = watcher.event('jobs.onDone', (p) => p.jobId === jobId);

    for (const [name, bytes] of PROBES) {
      const { closeCode } = await sendRaw(server.port, server.token, bytes());
      expect(server.alive(), `server process after ${name}`).toBe(true);
      // ws answers with the matching close code: 1002 protocol error, 1007 bad data, 1009 too big.
      expect([1002, 1007, 1009], `close code after ${name}`).toContain(closeCode);
      const fresh = await connect(server.port, server.token);
      const reply = await fresh.ask('templates.list');
      expect(reply.ok, `a new connection after ${name}`).toBe(true);
      fresh.close();
    }
    expect(server.alive()).toBe(true);
    const outcome = await done;
    expect(outcome.status, String(outcome.error)).toBe('done');
  }, 600_000);
});
