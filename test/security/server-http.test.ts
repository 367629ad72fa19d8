/**
 * Probes (issue 7, item 11): the HTTP side of browser mode. A malformed %-escape is a plain 400
 * (it was a 500 carrying the exception's text); pages come with Content-Security-Policy and
 * Referrer-Policy headers whose connect-src names only the app's own origin; the token cookie is
 * named for this server's port.
 */
import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { RunningServer } from '../../electron/serve/server.js';
import { httpGet, startTestServer } from '../helpers/test-server.js';
import type { TestServer } from '../helpers/test-server.js';

const ROOT = path.resolve(new URL('../..', import.meta.url).pathname);
let running: TestServer;
let server: RunningServer;

const get = (pathAndQuery: string, headers: Record<string, string> = {}) =>
  httpGet(`http://127.0.0.1:${server.port}${pathAndQuery}`, headers);

beforeAll(async () => {
  running = await startTestServer();
  server = running.server;
});

afterAll(async () => {
  await running?.close();
});

describe('browser-mode HTTP', () => {
  it('answers a malformed %-escape with a plain 400, no exception text', async () => {
    for (const bad of ['/%E0%A4%A', '/%zz', '/assets/%']) {
      const r = await get(`${bad}?token=${server.token}`);
      expect(r.status, bad).toBe(400);
      expect(r.body).not.toMatch(/URI|malformed|Error/i);
    }
  });

  it('sends Content-Security-Policy and Referrer-Policy headers with connect-src limited to its own origin', async () => {
    const r = await get(`/?token=${server.token}`, { host: `127.0.0.1:${server.port}` });
    expect(r.status).toBe(200);
    const csp = String(r.headers['content-security-policy']);
    expect(csp).toMatch(/default-src 'self'/);
    expect(csp).toMatch(/frame-ancestors 'none'/);
    const connect = /connect-src ([^;]*)/.exec(csp)![1].trim().split(/\s+/);
    expect(connect).toEqual(["'self'", `ws://127.0.0.1:${server.port}`]);
    expect(r.headers['referrer-policy']).toBe('no-referrer');
    expect(r.headers['cross-origin-resource-policy']).toBe('same-origin');
  });

  it('names the token cookie for its own port', async () => {
    const r = await get(`/?token=${server.token}`);
    expect(r.headers['set-cookie']?.[0]).toMatch(new RegExp(`^lw_token_${server.port}=[A-Za-z0-9_-]+; HttpOnly; SameSite=Strict; Path=/$`));
    // Another port's cookie does not open this server.
    expect((await get('/', { cookie: `lw_token=${server.token}` })).status).toBe(401);
    expect((await get('/', { cookie: `lw_token_${server.port}=${server.token}` })).status).toBe(200);
  });

  it("the page's own <meta> policy has no header-only directives and no ws: to any host", async () => {
    const html = await fs.readFile(path.join(ROOT, 'renderer', 'index.html'), 'utf8');
    const meta = /http-equiv="Content-Security-Policy"\s+content="([^"]*)"/.exec(html)![1];
    expect(meta).not.toMatch(/frame-ancestors|report-uri|sandbox/);
    expect(meta).not.toMatch(/\bws:|\bwss:/);
  });
});
