/**
 * Browser mode's file and folder browser (issue 12, item 4), end to end: adding scans and
 * importing a template without typing a path; the browser shows only the allowed folders, and
 * the trained models are offered for the engines that take one.
 */
import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { promises as fs, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { AppService } from '../../electron/app/app-service.js';
import { EngineHost } from '../../electron/host/engine-host.js';
import { startServer } from '../../electron/serve/server.js';
import type { RunningServer } from '../../electron/serve/server.js';
import { AllowedRoots } from '../../electron/security/roots.js';
import { SHARED } from '../helpers/synthetic.js';
import { chromiumAvailable, launchBrowser } from './helpers.js';

const ROOT = path.resolve(new URL('../..', import.meta.url).pathname);
const ARTIFACTS = path.join(ROOT, 'test-results', 'e2e');
const HIPPO = path.join(SHARED, 'hippocampus');
const ready = chromiumAvailable() && existsSync(path.join(ROOT, 'renderer', 'dist', 'index.html'));

let dir: string;
let data: string;
let app: AppService;
let server: RunningServer;
let browser: Browser;
let page: Page;
const problems: string[] = [];

describe.runIf(ready)('file browser (browser mode)', () => {
  beforeAll(async () => {
    await fs.mkdir(ARTIFACTS, { recursive: true });
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'lw-e2e-browse-'));
    data = path.join(dir, 'data');
    await fs.mkdir(path.join(data, 'study', 'sub-01'), { recursive: true });
    await fs.mkdir(path.join(dir, 'outside'));
    for (const f of ['hippocampus_003_image.nii.gz', 'hippocampus_003_labels.nii.gz'])
      await fs.copyFile(path.join(HIPPO, f), path.join(data, 'study', 'sub-01', f));
    for (const f of ['hippocampus_001_image.nii.gz', 'hippocampus_001_labels.nii.gz'])
      await fs.copyFile(path.join(HIPPO, f), path.join(data, f));
    await fs.writeFile(path.join(dir, 'outside', 'secret_t1.nii.gz'), 'x');
    await fs.symlink(path.join(dir, 'outside'), path.join(data, 'escape'));
    const roots = new AllowedRoots();
    await roots.add(data, true);
    app = new AppService({
      stateDir: path.join(dir, 'state'),
      resourcesDir: path.join(ROOT, 'resources'),
      roots,
      host: new EngineHost(() => {
        throw new Error('no registration in this test');
      }),
    });
    await app.init();
    server = await startServer({ app, rendererDir: path.join(ROOT, 'renderer', 'dist') });
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error' && !/favicon|404/.test(m.text())) problems.push(`console: ${m.text()}`);
    });
    await page.goto(server.url);
    await page.waitForSelector('body[data-ready=true]');
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    app?.dispose();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('adds a scan by browsing, never typing a path; links out of the allowed folders are not shown', async () => {
    await page.click('[data-testid=scan-browse-files]');
    await page.waitForSelector('[data-testid=file-browser]');
    // The dialog opens at once and lists the first allowed folder when the server answers ('…' until then).
    await page.waitForSelector('[data-testid=browser-folder] span[title]');
    expect(await page.textContent('[data-testid=browser-folder]')).toContain(data);
    expect(await page.locator('[data-testid=entry-escape]').count()).toBe(0);
    expect(await page.isDisabled('[data-testid=browser-up]')).toBe(true);
    await page.click('[data-testid=entry-study]');
    await page.click('[data-testid=entry-sub-01]');
    await page.click('[data-testid="entry-hippocampus_003_image.nii.gz"]');
    await page.screenshot({ path: path.join(ARTIFACTS, 'file-browser.png') });
    await page.click('[data-testid=browser-choose]');
    await page.waitForSelector('[data-testid="scan-hippocampus_003_image"]');
    expect(await page.textContent('[data-testid="scan-hippocampus_003_image"]')).toMatch(/reference labels/);
    expect(await page.locator('[data-testid=file-browser]').count()).toBe(0);
  });

  it('imports a template by browsing for its image and label map', async () => {
    await page.click('text=Import a template…');
    for (const [field, file] of [
      ['image', 'hippocampus_001_image.nii.gz'],
      ['labels', 'hippocampus_001_labels.nii.gz'],
    ]) {
      await page.click(`[data-testid=tpl-browse-${field}]`);
      await page.dblclick(`[data-testid="entry-${file}"]`);
      expect(await page.inputValue(`[data-testid=tpl-${field}]`)).toBe(path.join(data, file));
    }
    await page.click('[data-testid=tpl-import]');
    await page.waitForSelector('text=hippocampus_001_image');
  });

  it('offers the bundled model of the student engine, and no console errors came from our code', async () => {
    await page.selectOption('[data-testid=engine]', 'student');
    const options = await page.locator('[data-testid=model] option').allTextContents();
    expect(options.some((o) => /student-hippocampus/.test(o))).toBe(true);
    expect(problems).toEqual([]);
  });
});
