/**
 * Electron checklist (issue 7, item 12), the parts that run without the Electron binary: the
 * app:// protocol handler (pages from the built interface only, with the security headers), the
 * IPC sender check (own window, main frame, app:// page) and the permission handlers (deny).
 * The fuses are checked against the packaging configuration in test/app/packaging.test.ts.
 */
import { describe, expect, it, beforeAll } from 'vitest';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Protocol } from 'electron';
import { APP_INDEX, isAppUrl, serveAppProtocol } from '../../electron/security/app-protocol.js';
import { isTrustedSender } from '../../electron/security/ipc-sender.js';
import { denyAllPermissions } from '../../electron/security/permissions.js';

type Handler = (request: Request) => Promise<Response>;
let handler: Handler;
let dir: string;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'lw-sec-electron-'));
  await fs.mkdir(path.join(dir, 'dist', 'assets'), { recursive: true });
  await fs.writeFile(path.join(dir, 'dist', 'index.html'), '<!doctype html><title>LabelWarp</title>');
  await fs.writeFile(path.join(dir, 'dist', 'assets', 'a.wasm'), Buffer.from([0, 0x61, 0x73, 0x6d]));
  await fs.writeFile(path.join(dir, 'secret.txt'), 'not for the page');
  const fake = { handle: (_scheme: string, h: Handler) => (handler = h) } as unknown as Protocol;
  serveAppProtocol(fake, path.join(dir, 'dist'));
});

describe('Electron: app:// protocol, IPC senders, permissions', () => {
  it('serves the interface with the security headers and the right types', async () => {
    const page = await handler(new Request(APP_INDEX));
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toMatch(/default-src 'self'.*frame-ancestors 'none'/);
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    const wasm = await handler(new Request('app://labelwarp/assets/a.wasm'));
    expect(wasm.headers.get('content-type')).toBe('application/wasm');
  });

  it('serves nothing outside the interface folder, nor for another host', async () => {
    for (const url of [
      'app://labelwarp/../secret.txt',
      'app://labelwarp/%2e%2e/secret.txt',
      'app://labelwarp/..%2fsecret.txt',
      'app://labelwarp/%5c..%5csecret.txt',
    ]) {
      const r = await handler(new Request(url));
      expect(r.status, url).not.toBe(200);
      expect(await r.text()).not.toContain('not for the page');
    }
    expect((await handler(new Request('app://labelwarp/%E0%A4%A'))).status).toBe(400);
    expect((await handler(new Request('app://elsewhere/index.html'))).status).toBe(403);
  });

  it('answers IPC only from the main frame of its own window showing an app:// page', () => {
    const mainFrame = { url: APP_INDEX };
    const contents = { mainFrame };
    expect(isTrustedSender({ sender: contents, senderFrame: mainFrame }, contents)).toBe(true);
    expect(isTrustedSender({ sender: contents, senderFrame: { url: 'app://labelwarp/frame.html' } }, contents)).toBe(false);
    expect(isTrustedSender({ sender: { mainFrame }, senderFrame: mainFrame }, contents)).toBe(false);
    expect(isTrustedSender({ sender: contents, senderFrame: null }, contents)).toBe(false);
    const navigated = { mainFrame: { url: 'https://example.org/' } };
    expect(isTrustedSender({ sender: navigated, senderFrame: navigated.mainFrame }, navigated)).toBe(false);
    expect(isTrustedSender({ sender: contents, senderFrame: mainFrame }, undefined)).toBe(false);
    expect(isAppUrl('file:///app/index.html')).toBe(false);
    expect(isAppUrl('app://labelwarp.evil/index.html')).toBe(false);
  });

  it('denies every permission request and check', () => {
    const granted: boolean[] = [];
    let check: ((c: unknown, p: string) => boolean) | undefined;
    denyAllPermissions({
      setPermissionRequestHandler: (h) => {
        for (const p of ['media', 'notifications', 'geolocation', 'clipboard-read', 'midi']) h(undefined, p, (g) => granted.push(g));
      },
      setPermissionCheckHandler: (h) => (check = h),
    });
    expect(granted).toEqual([false, false, false, false, false]);
    expect(check!(undefined, 'media')).toBe(false);
  });
});
