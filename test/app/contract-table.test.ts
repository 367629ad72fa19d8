/**
 * The one contract table (core/ipc/contract.ts): the channel list, the preload's allow-list, the
 * renderer's proxy and the main process's dispatcher all come from it; engine options are checked
 * against the engine's schema before any job starts; typed arrays travel in binary frames.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CHANNELS, CONTRACT, EVENTS, createProxy, validateRequest } from '../../core/ipc/contract.js';
import { decodeMessage, encodeMessage } from '../../core/ipc/frames.js';
import { preloadBridge } from '../../electron/preload-bridge.js';
import { AppService } from '../../electron/app/app-service.js';
import { EngineHost } from '../../electron/host/engine-host.js';
import { AllowedRoots } from '../../electron/security/roots.js';
import { ROOT } from '../helpers/cli.js';
import { SHARED } from '../helpers/synthetic.js';

const fromTable = Object.entries(CONTRACT).flatMap(([s, c]) => Object.keys(c.methods).map((m) => `${s}.${m}`));
const eventsFromTable = Object.entries(CONTRACT).flatMap(([s, c]) => Object.keys(c.events).map((e) => `${s}.${e}`));

describe('contract table', () => {
  it('is the channel and event list', () => {
    expect([...CHANNELS].sort()).toEqual([...fromTable].sort());
    expect(new Set(CHANNELS).size).toBe(CHANNELS.length);
    expect([...EVENTS].sort()).toEqual([...eventsFromTable].sort());
    // The menu's event is one of them (it used to be sent on a channel the preload never exposed).
    expect(EVENTS).toContain('system.onMenu');
    for (const c of CHANNELS) expect(() => validateRequest(c, { 'no such argument': 1 }), c).toThrow(/unexpected argument/);
  });

  it('is the preload allow-list: every channel and event of the table, nothing else', async () => {
    const invoked: string[] = [];
    const subscribed: string[] = [];
    const bridge = preloadBridge({
      invoke: async (channel) => invoked.push(channel),
      on: (channel) => subscribed.push(channel),
      removeListener: () => undefined,
    });
    for (const c of fromTable) await bridge.invoke(c, {});
    expect(invoked).toEqual(fromTable);
    for (const c of ['menu', 'fs.readFile', 'templates.constructor', 'templates', '']) {
      await expect(bridge.invoke(c, {}), c).rejects.toThrow(/not allowed/);
      expect(() => bridge.on(c, () => undefined), c).toThrow(/not allowed/);
    }
    for (const e of eventsFromTable) bridge.on(e, () => undefined);
    expect(subscribed).toEqual(eventsFromTable);
  });

  it('is the renderer proxy: one method per entry, each calling its own channel', async () => {
    const calls: [string, unknown][] = [];
    const api = createProxy({ invoke: async (c, a) => calls.push([c, a]), on: () => () => undefined }) as unknown as Record<
      string,
      Record<string, (a?: unknown) => Promise<unknown>>
    >;
    expect(
      Object.keys(api)
        .filter((k) => k !== 'on')
        .sort(),
    ).toEqual(Object.keys(CONTRACT).sort());
    for (const [s, c] of Object.entries(CONTRACT)) {
      expect(Object.keys(api[s]).sort()).toEqual(Object.keys(c.methods).sort());
      for (const m of Object.keys(c.methods)) await api[s][m]({ marker: `${s}.${m}` });
    }
    expect(calls).toEqual(fromTable.map((c) => [c, { marker: c }]));
  });
});

describe('binary frames', () => {
  it('carry typed arrays anywhere in a message, and leave messages without them as text', () => {
    const volume = { dims: [2, 2, 1], data: Float32Array.from([1.5, -2, 3, 4]) };
    const labels = Uint16Array.from([0, 7, 65535]);
    const frame = encodeMessage({ id: 3, ok: true, result: { volume, more: [labels, 'x'] } });
    expect(frame).toBeInstanceOf(Uint8Array);
    const bytes = frame as Uint8Array;
    const back = decodeMessage((bytes.buffer as ArrayBuffer).slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)) as {
      result: { volume: { dims: number[]; data: Float32Array }; more: [Uint16Array, string] };
    };
    expect(back.result.volume.dims).toEqual([2, 2, 1]);
    expect(back.result.volume.data).toBeInstanceOf(Float32Array);
    expect([...back.result.volume.data]).toEqual([1.5, -2, 3, 4]);
    // Each array has a buffer of its own (a library may keep or transfer the whole buffer).
    expect(back.result.volume.data.buffer.byteLength).toBe(16);
    expect(back.result.more[0]).toBeInstanceOf(Uint16Array);
    expect([...back.result.more[0]]).toEqual([0, 7, 65535]);
    expect(back.result.more[1]).toBe('x');
    expect(encodeMessage({ event: 'scans.onChanged', payload: [{ id: 'a' }] })).toBe('{"event":"scans.onChanged","payload":[{"id":"a"}]}');
  });
});

describe('dispatcher', () => {
  let dir: string;
  let app: AppService;
  let launches = 0;
  const HIPPO = path.join(SHARED, 'hippocampus');

  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'lw-table-'));
    const roots = new AllowedRoots();
    await roots.add(HIPPO, false);
    app = new AppService({
      stateDir: path.join(dir, 'state'),
      resourcesDir: path.join(ROOT, 'resources'),
      roots,
      host: new EngineHost(() => {
        launches++;
        throw new Error('no host in this test');
      }),
    });
    await app.init();
  });
  afterAll(async () => {
    app?.dispose();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('reaches one method of the implementation per channel, and nothing else', async () => {
    const services = app.services as unknown as Record<string, Record<string, unknown>>;
    for (const c of CHANNELS) {
      const [s, m] = c.split('.');
      expect(typeof services[s][m], c).toBe('function');
    }
    // Methods of the implementations that are not in the table are not reachable.
    await expect(app.call('templates.addBundled', {})).rejects.toThrow(/unknown channel/);
    await expect(app.call('system.dispose', {})).rejects.toThrow(/unknown channel/);
    await expect(app.call('templates.constructor', {})).rejects.toThrow(/unknown channel/);
    await expect(app.call('templates.list', { x: 1 })).rejects.toThrow(/unexpected argument/);
  });

  it('refuses a mistyped engine option at jobs.run, before any job is queued or any host starts', async () => {
    const { added } = (await app.call('scans.add', { paths: [path.join(HIPPO, 'hippocampus_003_image.nii.gz')] })) as {
      added: { id: string }[];
    };
    const scanId = added[0].id;
    const run = (engine: string, options: Record<string, unknown>) =>
      app.call('jobs.run', { templateId: 'sample-ixi012', scanIds: [scanId], engine, options });
    await expect(run('gn', { lamda: [1] })).rejects.toThrow(/engine "gn" has no option "lamda"/);
    await expect(run('gn', { delta: 'small' })).rejects.toThrow(/"delta".*not a number/);
    await expect(run('gn', { cgIterations: 2.5 })).rejects.toThrow(/not an integer/);
    await expect(run('gn', { maxStep: 1000 })).rejects.toThrow(/above the maximum/);
    await expect(run('gnn', {})).rejects.toThrow(/unknown engine "gnn"/);
    // A path option must lie in the allowed folders too.
    await expect(run('gn', { model: '/etc' })).rejects.toThrow(/outside the folders/);
    expect(launches).toBe(0);
    expect(app.host.busy).toBe(false);
    const scans = (await app.call('scans.list', {})) as { id: string; status: string }[];
    expect(scans.find((s) => s.id === scanId)?.status).toBe('new');
  });

  it('lists the bundled models and stores the bundled template by its resource path', async () => {
    const models = (await app.call('models.list', {})) as { name: string; engine: string; path: string }[];
    expect(models.map((m) => m.name)).toEqual(expect.arrayContaining(['gn-hippocampus', 'student-hippocampus']));
    expect(models.find((m) => m.name === 'student-hippocampus')?.engine).toBe('student');
    const state = JSON.parse(await fs.readFile(path.join(dir, 'state', 'state.json'), 'utf8')) as {
      templates: { id: string; image: string; labels: string }[];
    };
    const bundled = state.templates.find((t) => t.id === 'sample-ixi012')!;
    expect(bundled.image).toBe('sample/ixi/IXI012_t1.nii.gz');
    expect(bundled.labels).toBe('sample/ixi/IXI012_labels.nii.gz');
    const listed = (await app.call('templates.list', {})) as { id: string; image: string }[];
    expect(listed.find((t) => t.id === 'sample-ixi012')?.image).toBe(path.join(ROOT, 'resources', 'sample', 'ixi', 'IXI012_t1.nii.gz'));
  });
});
