import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import { WebSocket } from 'ws';
import { AppService } from '../../electron/app/app-service.js';
import { startServer } from '../../electron/serve/server.js';
import type { RunningServer } from '../../electron/serve/server.js';
import { EngineHost } from '../../electron/host/engine-host.js';

const ROOT = path.resolve(new URL('../..', import.meta.url).pathname);
let app: AppService;
let server: RunningServer;
let rendererDir: string;

function get(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers }, (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
      })
      .on('error', reject);
  });
}

beforeAll(async () => {
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'lw-server-'));
  rendererDir = path.join(tmp, 'renderer');
  await fs.mkdir(rendererDir);
  await fs.writeFile(path.join(rendererDir, 'index.html'), '<!doctype html><title>LabelWarp</title>');
  app = new AppService({
    stateDir: path.join(tmp, 'state'),
    resourcesDir: path.join(ROOT, 'resources'),
    host: new EngineHost(() => {
      throw new Error('no host in this test');
    }),
  });
  await app.init();
  server = await startServer({ app, rendererDir });
});

afterAll(async () => {
  await server.close();
  app.dispose();
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
