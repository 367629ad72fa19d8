/**
 * The app in browser mode for the end-to-end tests: an application service on a fresh state folder,
 * allowed what `npm run serve -- --root DATA --root WORK` allows (the shared scans, read only, and
 * that state folder, writable), its server on the built renderer, and a Chromium page.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { AppService } from '../../electron/app/app-service.js';
import { startServer } from '../../electron/serve/server.js';
import type { RunningServer } from '../../electron/serve/server.js';
import { AllowedRoots } from '../../electron/security/roots.js';
import { SHARED } from '../helpers/synthetic.js';
import { ROOT } from '../helpers/cli.js';
import { launchBrowser } from './helpers.js';

export interface BrowserApp {
  app: AppService;
  server: RunningServer;
  browser: Browser;
  page: Page;
  stateDir: string;
}

/** `prefix`: the state folder's name in the temporary folder; `viewport`: the page's size. */
export async function startBrowserApp(prefix: string, viewport: { width: number; height: number }): Promise<BrowserApp> {
  const stateDir = await fs.mkdtemp(path.join(os.tmpdir(), prefix));
  const roots = new AllowedRoots();
  await roots.add(SHARED, false);
  await roots.add(stateDir, true);
  const app = new AppService({ stateDir, resourcesDir: path.join(ROOT, 'resources'), roots });
  await app.init();
  const server = await startServer({ app, rendererDir: path.join(ROOT, 'renderer', 'dist') });
  const browser = await launchBrowser();
  const page = await browser.newPage({ viewport });
  return { app, server, browser, page, stateDir };
}
