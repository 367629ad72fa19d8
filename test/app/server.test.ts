import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { WebSocket } from 'ws';
import { startServer } from '../../electron/serve/server.js';
import type { RunningServer } from '../../electron/serve/server.js';
import type { AppService } from '../../electron/app/app-service.js';
import { httpGet as get, startTestServer } from '../helpers/test-server.js';
import type { TestServer } from '../helpers/test-server.js';

let running: TestServer;
let app: AppService;
let server: RunningServer;
let rendererDir: string;

beforeAll(async () => {
  running = await startTestServer();
  ({ app, server, rendererDir } = running);
});

afterAll(async () => {
  await running.close();
});

describe('browser-mode server', () => {
  it('listens on loopback only and prints a URL with a token', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]{20,}$/);
  });

  it('refuses requests without the token, serves the page with it', async () => {
    const base = `http://127.0.0.1:${server.port}`;
    expect((await get(`${base}/`)).status).toBe(401);
    expect((await get(`${base}/?token=wrong`)).status).toBe(401);
    const ok = await get(`${base}/?token=${server.token}`);
    expect(ok.status).toBe(200);
    expect(ok.body).toContain('LabelWarp');
    expect(ok.headers['set-cookie']?.[0]).toMatch(/HttpOnly; SameSite=Strict/);
    expect((await get(`${base}/../../etc/passwd?token=${server.token}`)).status).not.toBe(200);
    expect((await get(`${base}/?token=${server.token}`, { host: 'evil.example:80' })).status).toBe(403);
  });

  it('refuses to listen beyond loopback unless asked', async () => {
    await expect(startServer({ app, rendererDir, host: '0.0.0.0' })).rejects.toThrow(/allowRemote/);
  });

  it('bridges the contract over a WebSocket that needs the token, and validates every message', async () => {
    const refused = new WebSocket(`ws://127.0.0.1:${server.port}/ws`);
    await new Promise<void>((resolve) => {
      refused.on('error', () => resolve());
      refused.on('unexpected-response', () => resolve());
    });
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws?token=${server.token}`);
    await new Promise((r) => ws.once('open', r));
    const ask = (msg: unknown) =>
      new Promise<Record<string, unknown>>((resolve) => {
        ws.once('message', (d) => resolve(JSON.parse(String(d))));
        ws.send(JSON.stringify(msg));
      });
    const templates = await ask({ id: 1, channel: 'templates.list', args: {} });
    expect(templates.ok).toBe(true);
    expect((templates.result as { id: string }[])[0].id).toBe('sample-ixi012');
    const engines = await ask({ id: 2, channel: 'system.engines' });
    expect((engines.result as { name: string }[]).map((e) => e.name)).toEqual(expect.arrayContaining(['affine', 'gn']));
    const bad = await ask({ id: 3, channel: 'scans.add', args: { paths: ['relative.nii'] } });
    expect(bad).toMatchObject({ id: 3, ok: false });
    expect(String(bad.error)).toMatch(/absolute path/);
    const unknown = await ask({ id: 4, channel: 'process.exit', args: {} });
    expect(String(unknown.error)).toMatch(/unknown channel/);
    ws.close();
  });
});
