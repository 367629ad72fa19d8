/**
 * Probe (issue 7, item 11), in real Chromium with the built interface: the page loads under the
 * header policy and its own <meta> policy without a single Content-Security-Policy console error
 * (directives such as frame-ancestors are ignored in <meta> and reported as errors), and the
 * interface works, its WebSocket included, with connect-src narrowed to its own origin.
 */
import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { chromiumAvailable, launchBrowser } from '../helpers/chromium.js';
import { startTestServer } from '../helpers/test-server.js';
import type { TestServer } from '../helpers/test-server.js';

const ROOT = path.resolve(new URL('../..', import.meta.url).pathname);
const DIST = path.join(ROOT, 'renderer', 'dist');
const ready = chromiumAvailable() && existsSync(path.join(DIST, 'index.html'));
if (!ready) console.warn('CSP console probe skipped: needs Chromium at /usr/bin/chromium and the built interface (npm run build)');

let running: TestServer;
let browser: Browser;

describe.runIf(ready)('Content-Security-Policy in real Chromium', () => {
  beforeAll(async () => {
    running = await startTestServer({ rendererDir: DIST });
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await running?.close();
  });

  it('loads the interface with no CSP console errors and a working WebSocket', async () => {
    const page = await browser.newPage();
    const messages: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') messages.push(m.text());
    });
    const response = await page.goto(running.server.url);
    expect(response?.headers()['content-security-policy']).toMatch(/frame-ancestors 'none'/);
    await page.waitForSelector('body[data-ready=true]');
    // The template list came over the WebSocket.
    await page.waitForSelector('[data-testid="template-sample-ixi012"]');
    expect(messages.filter((m) => /Content.Security.Policy|frame-ancestors/i.test(m))).toEqual([]);
  }, 120_000);
});
