/**
 * Probe (issue 7, item 2): cross-site WebSocket hijacking, in real Chromium. A page served from
 * another port of 127.0.0.1, in the same browser profile as an open LabelWarp page, opens the
 * app's WebSocket without the token (the browser adds the app's cookie: SameSite does not separate
 * ports). The server must refuse it by Origin, while the app's own page keeps working.
 */
import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import http from 'node:http';
import type { Browser } from 'playwright-core';
import type { RunningServer } from '../../electron/serve/server.js';
import { chromiumAvailable, launchBrowser } from '../helpers/chromium.js';
import { startTestServer } from '../helpers/test-server.js';
import type { TestServer } from '../helpers/test-server.js';

if (!chromiumAvailable()) console.warn('cross-origin WebSocket probe skipped: no Chromium at /usr/bin/chromium');

/** Opens the socket, asks for the template list, and writes the outcome on <body data-result>. */
const probeScript = (wsUrl: string) => `
const ws = new WebSocket(${wsUrl});
let opened = false;
ws.onopen = () => { opened = true; ws.send(JSON.stringify({ id: 1, channel: 'templates.list', args: {} })); };
ws.onmessage = (e) => {
  const m = JSON.parse(e.data);
  if (m.id === 1) document.body.dataset.result = m.ok ? 'read ' + m.result.length + ' templates' : 'error';
};
ws.onclose = () => { if (!opened) document.body.dataset.result = 'refused'; };
`;

let running: TestServer;
let server: RunningServer;
let attacker: http.Server;
let attackerPort: number;
let browser: Browser;

describe.runIf(chromiumAvailable())('cross-origin WebSocket (real Chromium)', () => {
  beforeAll(async () => {
    running = await startTestServer({
      pages: {
        'index.html': '<!doctype html><title>LabelWarp</title><script src="/app.js"></script>',
        // The app's own page: connects as the real client does (token from the page's URL).
        'app.js': probeScript('`ws://${location.host}/ws?token=${new URLSearchParams(location.search).get("token")}`'),
      },
    });
    server = running.server;
    // The attack page, on another port of the same address; it knows the app's port, not its token.
    attacker = http.createServer((req, res) => {
      if (req.url?.startsWith('/attack.js')) {
        res.writeHead(200, { 'content-type': 'text/javascript' }).end(probeScript(`'ws://127.0.0.1:${server.port}/ws'`));
      } else
        res
          .writeHead(200, { 'content-type': 'text/html' })
          .end('<!doctype html><title>elsewhere</title><script src="/attack.js"></script>');
    });
    await new Promise<void>((r) => attacker.listen(0, '127.0.0.1', () => r()));
    attackerPort = (attacker.address() as { port: number }).port;
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise((r) => attacker?.close(r));
    await running?.close();
  });

  it('refuses the other port’s page without the token, while the app page keeps working', async () => {
    const context = await browser.newContext();
    const appPage = await context.newPage();
    await appPage.goto(server.url);
    await appPage.waitForSelector('body[data-result]', { state: 'attached' });
    expect(await appPage.getAttribute('body', 'data-result')).toBe('read 1 templates');
    // The browser now holds the app's cookie for 127.0.0.1.
    expect((await context.cookies(`http://127.0.0.1:${server.port}`)).length).toBe(1);

    const attack = await context.newPage();
    await attack.goto(`http://127.0.0.1:${attackerPort}/`);
    await attack.waitForSelector('body[data-result]', { state: 'attached' });
    expect(await attack.getAttribute('body', 'data-result')).toBe('refused');

    // The app's page still works (a fresh load, a fresh socket).
    await appPage.reload();
    await appPage.waitForSelector('body[data-result]', { state: 'attached' });
    expect(await appPage.getAttribute('body', 'data-result')).toBe('read 1 templates');
    await context.close();
  }, 120_000);
});
