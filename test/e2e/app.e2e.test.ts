/**
 * End to end, as a researcher uses it: the renderer in headless Chromium (browser mode), the real
 * application service and engine host behind it, real IXI scans.
 */
import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { promises as fs, existsSync } from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import type { Browser, Page } from 'playwright-core';
import { AppService } from '../../electron/app/app-service.js';
import type { RunningServer } from '../../electron/serve/server.js';
import { SHARED } from '../helpers/synthetic.js';
import { startBrowserApp } from './browser-app.js';
import { chromiumAvailable, colouredShare, reviewIdle } from './helpers.js';

const ROOT = path.resolve(new URL('../..', import.meta.url).pathname);
const ARTIFACTS = path.join(ROOT, 'test-results', 'e2e');
const IXI = path.join(SHARED, 'ixi-brain');
const built = existsSync(path.join(ROOT, 'renderer', 'dist', 'index.html'));
const ready = chromiumAvailable() && built;
if (!ready)
  console.warn(
    `end-to-end tests skipped: ${chromiumAvailable() ? 'renderer not built (npm run build)' : 'no Chromium at /usr/bin/chromium (apt-get install chromium)'}`,
  );

let app: AppService;
let server: RunningServer;
let browser: Browser;
let page: Page;
let stateDir: string;

async function shot(name: string) {
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`) });
}

describe.runIf(ready)('LabelWarp in the browser (end to end)', () => {
  beforeAll(async () => {
    await fs.mkdir(ARTIFACTS, { recursive: true });
    // The state folder is also the writable root: this test writes bad inputs there and exports into it.
    ({ app, server, browser, page, stateDir } = await startBrowserApp('lw-e2e-', { width: 1500, height: 950 }));
    page.on('pageerror', (e) => console.error('page error:', e.message));
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    app?.dispose();
  });

  it('loads the interface quickly (time recorded) and shows the sample template', async () => {
    const t0 = Date.now();
    await page.goto(server.url);
    await page.waitForSelector('body[data-ready=true]');
    const loadMs = Date.now() - t0;
    const nav = await page.evaluate(() => {
      const e = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
      return { domContentLoaded: e.domContentLoadedEventEnd, load: e.loadEventEnd };
    });
    await fs.writeFile(path.join(ARTIFACTS, 'load-time.json'), JSON.stringify({ readyMs: loadMs, ...nav }, null, 2));
    console.log(`renderer ready in ${loadMs} ms (DOMContentLoaded ${nav.domContentLoaded.toFixed(0)} ms, load ${nav.load.toFixed(0)} ms)`);
    await page.click('[data-testid="template-sample-ixi012"]');
    await expect(page.locator('[data-testid="template-sample-ixi012"]')).toBeTruthy();
    expect(await page.locator('[data-testid="template-sample-ixi012"]').getAttribute('class')).toMatch(/selected/);
    expect(await page.textContent('[data-testid=backend]')).toMatch(/Tensor backend/);
  });

  it('rejects bad input with clear messages', async () => {
    const corrupt = path.join(stateDir, 'corrupt.nii.gz');
    const bytes = await fs.readFile(path.join(IXI, 'IXI013_t1.nii.gz'));
    await fs.writeFile(corrupt, bytes.subarray(0, 4000));
    const text = path.join(stateDir, 'notes.nii');
    await fs.writeFile(text, 'not an image');
    await page.fill('[data-testid=scan-paths]', `${corrupt}\n${text}`);
    await page.click('[data-testid=scan-add]');
    await page.waitForSelector('[data-testid=notice]:has-text("corrupt or truncated gzip data")');
    await page.waitForSelector('[data-testid=notice]:has-text("too short for a NIfTI header")');
    // An image and a label map on different grids cannot be a template.
    await page.click('text=Import a template…');
    await page.fill('[data-testid=tpl-image]', path.join(IXI, 'IXI013_t1.nii.gz'));
    await page.fill('[data-testid=tpl-labels]', path.join(SHARED, 'hippocampus', 'hippocampus_001_labels.nii.gz'));
    await page.click('[data-testid=tpl-import]');
    await page.waitForSelector('[data-testid=notice]:has-text("does not match the image")');
    await shot('01-bad-input');
    await page.evaluate(() => document.querySelectorAll('[data-testid=notice]').forEach((n) => (n as HTMLElement).click()));
  });

  it('transfers labels onto two IXI scans with the best engine, with progress, and shows Dice matching the CLI', async () => {
    await page.fill('[data-testid=scan-paths]', `${path.join(IXI, 'IXI014_t1.nii.gz')}\n${path.join(IXI, 'IXI015_t1.nii.gz')}`);
    await page.click('[data-testid=scan-add]');
    await page.waitForSelector('[data-testid="scan-IXI015_t1"]');
    expect(await page.inputValue('[data-testid=engine]')).toBe('gn');
    await page.click('[data-testid=run-all]');
    await page.waitForSelector('[data-testid="progress-IXI014_t1"]', { timeout: 60_000 });
    await shot('02-progress');
    await page.waitForSelector('[data-testid="status-IXI015_t1"]:has-text("done")', { timeout: 300_000 });
    await page.waitForSelector('[data-testid="status-IXI014_t1"]:has-text("done")');
    expect(await page.textContent('[data-testid=overall-text]')).toMatch(/run finished/);
    await page.click('[data-testid="review-IXI014_t1"]');
    await page.waitForSelector('[data-testid=dice-table] tbody tr');
    const rows = await page.$$eval('[data-testid=dice-table] tbody tr', (trs) =>
      trs.map(
        (tr) => [Number(tr.getAttribute('data-label')), tr.querySelector('[data-col=dice]')!.textContent!.trim()] as [number, string],
      ),
    );
    expect(rows.length).toBeGreaterThan(100);

    // The same pair through the command line.
    const cliOut = path.join(stateDir, 'cli');
    const r = spawnSync(
      process.execPath,
      [
        path.join(ROOT, 'bin', 'labelwarp.mjs'),
        'segment',
        '--atlas-image',
        path.join(ROOT, 'resources', 'sample', 'ixi', 'IXI012_t1.nii.gz'),
        '--atlas-labels',
        path.join(ROOT, 'resources', 'sample', 'ixi', 'IXI012_labels.nii.gz'),
        '--scan',
        path.join(IXI, 'IXI014_t1.nii.gz'),
        '--scan-labels',
        path.join(IXI, 'IXI014_labels.nii.gz'),
        '--engine',
        'gn',
        '--out',
        cliOut,
        '--quiet',
      ],
      { encoding: 'utf8' },
    );
    expect(r.status, r.stderr).toBe(0);
    const metrics = JSON.parse(await fs.readFile(path.join(cliOut, 'metrics.json'), 'utf8')) as {
      labels: { label: number; dice: number }[];
    };
    const cliDice = new Map(metrics.labels.map((l) => [l.label, l.dice]));
    expect(rows.length).toBe(cliDice.size);
    for (const [label, dice] of rows) expect(dice, `label ${label}`).toBe(cliDice.get(label)!.toFixed(3));
  }, 600_000);

  it('draws the label overlay in the axial viewport and switches to the Jacobian view', async () => {
    await reviewIdle(page);
    const overlay = await colouredShare(page, '[data-testid=viewport-axial]');
    await shot('03-review-labels');
    expect(overlay).toBeGreaterThan(0.05);
    // Hovering names the label under the mouse.
    const box = (await page.locator('[data-testid=viewport-axial]').boundingBox())!;
    await page.mouse.move(box.x + box.width / 2 + 10, box.y + box.height / 2 + 10);
    expect(await page.textContent('[data-testid=hover]')).toMatch(/\(\d+\)|background/);
    await page.selectOption('[data-testid=mode]', 'jacobian');
    await reviewIdle(page);
    const jac = await colouredShare(page, '[data-testid=viewport-axial]');
    await shot('04-review-jacobian');
    // The Jacobian is drawn over the anatomy (grey) with det J = 1 transparent, so only the
    // deformed regions colour the view (the green crosshair alone is about 0.4 %); its colour bar shows.
    expect(jac).toBeGreaterThan(0.005);
    expect(await page.isVisible('[data-testid=colourbar]')).toBe(true);
    await page.selectOption('[data-testid=mode]', 'checkerboard');
    await reviewIdle(page);
    await shot('05-review-checkerboard');
    await page.selectOption('[data-testid=mode]', 'labels');
    await page.check('[data-testid=show-reference]');
    await page.check('[data-testid=show-grid]');
    await reviewIdle(page);
    await shot('06-review-reference-grid');
    // Switching views back and forth re-uses the loaded volumes: no error, the overlay is back.
    expect(await page.locator('[data-testid=notice]:has-text("Review")').count()).toBe(0);
    expect(await colouredShare(page, '[data-testid=viewport-axial]')).toBeGreaterThan(0.05);
  });

  it('cancels a run midway, recovers, and keeps earlier results', async () => {
    // Ten times the default Gauss-Newton steps, so that the run is still registering when the
    // click lands (a default IXI run takes about 3 s: a cancel after it would find nothing to stop).
    await page.click('[data-testid=run] summary');
    await page.fill('[data-testid=option-iterations]', '20,40');
    await page.click('[data-testid=run-all]');
    await page.waitForSelector('[data-testid="stage-IXI014_t1"]:has-text("gauss-newton")', { timeout: 120_000 });
    await page.click('[data-testid=cancel]');
    await page.waitForSelector('[data-testid="status-IXI014_t1"]:has-text("cancelled")', { timeout: 60_000 });
    await page.waitForSelector('[data-testid="status-IXI015_t1"]:has-text("cancelled")');
    await shot('07-cancelled');
    // The run's bar counts only work done: the first scan stopped midway, the second never started.
    const stopped = /run cancelled at (\d+) %/.exec((await page.textContent('[data-testid=overall-text]')) ?? '');
    expect(stopped, 'overall text').not.toBeNull();
    expect(Number(stopped![1])).toBeLessThan(50);
    // Earlier results stay reviewable, and the scan's line says which one is shown.
    expect(await page.locator('[data-testid="review-IXI014_t1"]').count()).toBe(1);
    expect(await page.textContent('[data-testid="kept-IXI014_t1"]')).toMatch(/earlier result stays shown: .*gn .*Dice 0\.\d{3}/);
    expect(await page.locator('[data-testid=dice-table] tbody tr').count()).toBeGreaterThan(100);
    // And the app runs again.
    await page.fill('[data-testid=option-iterations]', '');
    await page.selectOption('[data-testid=engine]', 'affine');
    await page.check('[aria-label="select IXI015_t1"]');
    await page.click('[data-testid=run-selected]');
    await page.waitForSelector('[data-testid="status-IXI015_t1"]:has-text("done")', { timeout: 120_000 });
    await page.fill('[data-testid=export-folder]', path.join(stateDir, 'export'));
    await page.click('[data-testid=export]');
    await page.waitForSelector('[data-testid=notice]:has-text("exported")');
    expect(await fs.readdir(path.join(stateDir, 'export'))).toEqual(
      expect.arrayContaining(['labels.nii.gz', 'metrics.json', 'displacement.nii']),
    );
    await shot('08-recovered');
  }, 400_000);
});
