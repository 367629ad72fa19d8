/**
 * Acceptance of the cohort workspace in the browser (browser mode, headless Chromium, the real
 * application service and engine host): create a workspace, add the hippocampus template and 10
 * scans, run two engines in batch with the engine host killed mid-run (the test's launcher keeps
 * the host processes: the hook), reopen the workspace and resume, finish with every result once,
 * check the summary and the engine comparison, export the CSV; a click on a row of the summary
 * opens that scan's result of that run in the Review tab's viewers.
 */
import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { promises as fs, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { AppService } from '../../electron/app/app-service.js';
import type { HostProcess } from '../../electron/host/engine-host.js';
import { cohortApp } from '../helpers/cohort-app.js';
import { startServer } from '../../electron/serve/server.js';
import type { RunningServer } from '../../electron/serve/server.js';
import type { BatchStatus } from '../../core/ipc/contract.js';
import { HIPPO, TEMPLATE, hippocampusIds } from '../helpers/cohort.js';
import { openWorkspace } from '../../core/workspace/workspace.js';
import { listRuns, runResults } from '../../core/workspace/runs.js';
import { verifyResult } from '../../core/workspace/provenance.js';
import { chromiumAvailable, launchBrowser, pixelShares } from './helpers.js';

const ROOT = path.resolve(new URL('../..', import.meta.url).pathname);
const ARTIFACTS = path.join(ROOT, 'test-results', 'e2e');
const built = existsSync(path.join(ROOT, 'renderer', 'dist', 'index.html'));
const ready = chromiumAvailable() && built;
if (!ready) console.warn(`cohort end-to-end test skipped: ${chromiumAvailable() ? 'renderer not built (npm run build)' : 'no Chromium'}`);

const SCANS = 10;
let app: AppService;
let server: RunningServer;
let browser: Browser;
let page: Page;
let tmp: string;
let procs: HostProcess[] = [];

/** Waits until the element's text matches; on a timeout the error says what the text was. */
async function waitText(selector: string, re: RegExp, timeout = 600_000): Promise<void> {
  try {
    await page.waitForFunction(
      ([s, src]) => new RegExp(src).test(document.querySelector(s)?.textContent ?? ''),
      [selector, re.source] as const,
      {
        timeout,
      },
    );
  } catch (err) {
    const text = await page.textContent(selector).catch(() => null);
    await page.screenshot({ path: path.join(ARTIFACTS, 'cohort-failure.png'), fullPage: true }).catch(() => undefined);
    throw new Error(`${selector} never matched ${re}: its text is ${JSON.stringify(text)} (${(err as Error).message.split('\n')[0]})`);
  }
}

describe.runIf(ready)('cohort workspace in the browser (end to end)', () => {
  beforeAll(async () => {
    await fs.mkdir(ARTIFACTS, { recursive: true });
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'lw-e2e-cohort-'));
    ({ app, procs } = await cohortApp(tmp));
    server = await startServer({ app, rendererDir: path.join(ROOT, 'renderer', 'dist') });
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1500, height: 1100 } });
    page.on('pageerror', (e) => console.error('page error:', e.message));
    page.on('dialog', (d) => void d.accept());
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    app?.dispose();
  });

  it('create, add, batch two engines with the host killed, reopen, resume, summary, comparison, CSV', async () => {
    const ids = await hippocampusIds(SCANS);
    const folder = path.join(tmp, 'ws');
    await page.goto(server.url);
    await page.waitForSelector('body[data-ready=true]');
    await page.click('[data-testid=tab-cohort]');
    // 1. create a workspace
    await page.fill('[data-testid=ws-folder]', folder);
    await page.click('[data-testid=ws-create]');
    await waitText('[data-testid=ws-root]', /version 1/);
    // 2. the template and 10 scans
    await page.fill('[data-testid=ws-template-image]', TEMPLATE.image);
    await page.fill('[data-testid=ws-template-labels]', TEMPLATE.labels);
    await page.click('[data-testid=ws-add-template]');
    await page.waitForSelector('[data-testid=ws-template] option[value=hippocampus_001]', { state: 'attached' });
    await page.selectOption('[data-testid=ws-template]', 'hippocampus_001');
    await page.fill('[data-testid=ws-scan-paths]', ids.map((id) => path.join(HIPPO, `hippocampus_${id}_image.nii.gz`)).join('\n'));
    await page.click('[data-testid=ws-add-scans]');
    await waitText('[data-testid=ws-root]', new RegExp(`${SCANS} scans`));
    // 3. engine 1, the host killed while the third scan is being registered (its job claimed)
    let killed = false;
    const off = app.on((event, payload) => {
      const b = payload as BatchStatus;
      const third = `hippocampus_${ids[2]}`;
      if (event === 'workspace.onBatch' && !killed && b.scans[third]?.state === 'running' && b.scans[third].fraction > 0.1) {
        killed = true;
        procs.at(-1)!.kill();
      }
    });
    await page.selectOption('[data-testid=ws-engine]', 'affine');
    await page.click('[data-testid=ws-run]');
    await waitText('[data-testid=ws-batch-state]', /^interrupted$/);
    off();
    expect(killed).toBe(true);
    await waitText('[data-testid=ws-runs]', /affine[\s\S]*?9 done\s*,\s*1 interrupted/, 30_000);
    await page.screenshot({ path: path.join(ARTIFACTS, 'cohort-interrupted.png') });
    // 4. reopen the workspace and resume
    await page.click('[data-testid=ws-open]');
    await waitText('[data-testid=ws-runs]', /1 interrupted/);
    await page.click('[data-testid=ws-resume]');
    await waitText('[data-testid=ws-batch-state]', /^finished$/);
    await waitText('[data-testid=ws-runs]', /affine[\s\S]*?: 10 done/);
    // engine 2
    await page.selectOption('[data-testid=ws-engine]', 'student');
    await page.click('[data-testid=ws-run]');
    await waitText('[data-testid=ws-runs]', /student[\s\S]*?: 10 done/);
    await waitText('[data-testid=ws-batch-state]', /^finished$/);
    // 5. every result once
    const ws = await openWorkspace(folder);
    const runs = await listRuns(ws);
    expect(runs.map((r) => r.engine).sort()).toEqual(['affine', 'student']);
    for (const r of runs) {
      const results = await runResults(ws, r.id);
      expect(results.map((x) => x.scan)).toEqual(ids.map((id) => `hippocampus_${id}`));
      for (const x of results) expect(await verifyResult(x.dir)).toEqual([]);
    }
    expect(await page.locator('[data-testid=ws-history] li[data-shown=true]').count()).toBe(SCANS);
    expect(await page.locator('[data-testid=ws-history] li[data-shown]').count()).toBe(2 * SCANS);
    // summary and comparison
    await page.click('[data-testid=summary-refresh]');
    await page.waitForSelector('[data-testid=comparison] tbody tr');
    expect(await page.locator('[data-testid=comparison] tbody tr').count()).toBe(3);
    expect(await page.textContent('[data-testid=comparison-time]')).toMatch(/A \d+\.\d\d s, B \d+\.\d\d s/);
    expect(await page.locator('[data-testid=volumes] tbody tr').count()).toBe(2 * SCANS);
    expect(await page.textContent('[data-testid=volumes]')).toMatch(/\d\.\d{3} \(\d\.\d{3}\)/);
    expect(await page.locator('[data-testid=dice-chart] canvas').count()).toBe(1);
    // CSV export
    const csv = path.join(tmp, 'cohort.csv');
    await page.fill('[data-testid=csv-file]', csv);
    await page.click('[data-testid=csv-export]');
    await expect.poll(() => fs.readFile(csv, 'utf8').catch(() => ''), { timeout: 30_000 }).toMatch(/^run,engine,template/);
    expect((await fs.readFile(csv, 'utf8')).trim().split('\n')).toHaveLength(1 + 2 * SCANS * 2);
    await page.screenshot({ path: path.join(ARTIFACTS, 'cohort-summary.png'), fullPage: true });
    // The label names of the template's table head the volume table, at both common window sizes.
    expect(await page.locator('[data-testid=volumes] thead th').allTextContents()).toEqual(
      expect.arrayContaining(['Anterior hippocampus', 'Posterior hippocampus']),
    );
    for (const size of [
      { width: 1366, height: 768 },
      { width: 1920, height: 1080 },
    ]) {
      await page.setViewportSize(size);
      await page.locator('[data-testid=volumes]').scrollIntoViewIfNeeded();
      await page.screenshot({ path: path.join(ARTIFACTS, `cohort-summary-${size.width}.png`) });
    }
    await page.setViewportSize({ width: 1500, height: 1100 });
    // One click on a summary row (an outlier's when there is one) opens that result in the review viewers.
    const outliers = page.locator('[data-testid=volumes] tbody tr.outlier');
    const row = (await outliers.count()) ? outliers.first() : page.locator('[data-testid=volumes] tbody tr').last();
    const [runText, scanName] = (await row.locator('td').allTextContents()).map((t) => t.trim());
    const engine = runText.split(' ')[0];
    expect(['affine', 'student']).toContain(engine);
    await row.click();
    await page.waitForSelector('[data-testid=tab-review].active');
    await waitText('[data-testid=review] h2', new RegExp(`${scanName} \\(${engine}\\)`), 60_000);
    expect(await page.isVisible('[data-testid=cohort-summary]')).toBe(false);
    // That scan drawn (non-black pixels) with its transferred labels over it (coloured pixels).
    await expect.poll(async () => (await pixelShares(page, '[data-testid=viewport-axial]')).lit, { timeout: 60_000 }).toBeGreaterThan(0.05);
    await expect
      .poll(async () => (await pixelShares(page, '[data-testid=viewport-axial]')).coloured, { timeout: 60_000 })
      .toBeGreaterThan(0);
    await page.screenshot({ path: path.join(ARTIFACTS, 'cohort-review.png') });
  });
});
