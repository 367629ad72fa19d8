/**
 * Training in the app, end to end: the renderer in headless Chromium (browser mode), the real
 * application service, engine host and training host, 12 hippocampus scans. In a cohort workspace
 * opened in the Cohort tab, a student is trained with tiny settings on 10 of them (teacher stage,
 * curves gaining points, pause, the training host killed, resume from the checkpoint, finish); the
 * model lands in that workspace (`labelwarp models --workspace W` lists it) and is used on the other
 * 2 with Dice shown; with another template the model choice warns. The estimate shown before the
 * start is printed beside the measured time and must be within 1.5×. Screenshots of the curves go
 * to test-results/e2e-training/ (`LABELWARP_SCREENSHOTS=docs`: docs/screenshots/).
 */
import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { promises as fs, existsSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { AppService } from '../../electron/app/app-service.js';
import type { RunningServer } from '../../electron/serve/server.js';
import { readRecord } from '../../core/training/run-record.js';
import { readModelCard } from '../../core/models/model-format.js';
import { startBrowserApp } from './browser-app.js';
import { chromiumAvailable } from './helpers.js';
import { TINY_STUDENT, HIPPO, TRAIN_IDS, USE_IDS, image, labels } from '../helpers/training.js';
import { labelwarp } from '../helpers/cli.js';

const ROOT = path.resolve(new URL('../..', import.meta.url).pathname);
// Screenshots of the curves: test-results/e2e-training/, or docs/screenshots/ with LABELWARP_SCREENSHOTS=docs.
const SHOTS =
  process.env.LABELWARP_SCREENSHOTS === 'docs' ? path.join(ROOT, 'docs', 'screenshots') : path.join(ROOT, 'test-results', 'e2e-training');
const built = existsSync(path.join(ROOT, 'renderer', 'dist', 'index.html'));
const ready = chromiumAvailable() && built && existsSync(HIPPO);
if (!ready) console.warn('training end-to-end test skipped (needs Chromium, a built renderer and ../shared/data)');

let app: AppService;
let server: RunningServer;
let browser: Browser;
let page: Page;
let stateDir: string;

const shot = (name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`) });
const points = async (chart: 'loss' | 'dice') => Number(await page.getAttribute(`[data-testid=curve-${chart}]`, 'data-points'));

describe.runIf(ready)('training in the app (end to end)', () => {
  beforeAll(async () => {
    await fs.mkdir(SHOTS, { recursive: true });
    ({ app, server, browser, page, stateDir } = await startBrowserApp('lw-train-e2e-', { width: 1500, height: 950 }));
    page.on('pageerror', (e) => console.error('page error:', e.message));
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    app?.dispose();
  });

  it("trains a student in the Cohort tab's workspace with live curves, survives pause and a killed training host, and uses the model", async () => {
    const t0 = performance.now();
    const times: string[] = [];
    const mark = (what: string) => times.push(`${what} ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    await page.goto(server.url);
    await page.waitForSelector('body[data-ready=true]');

    // A cohort workspace, opened in the Cohort tab, with the template and 12 scans (reference labels beside them).
    const W = path.join(stateDir, 'cohort');
    await page.click('[data-testid=tab-cohort]');
    await page.fill('[data-testid=ws-folder]', W);
    await page.click('[data-testid=ws-create]');
    await page.waitForSelector('[data-testid=ws-root]');
    await page.fill('[data-testid=ws-template-image]', image('001'));
    await page.fill('[data-testid=ws-template-labels]', labels('001'));
    await page.click('[data-testid=ws-add-template]');
    await page.waitForSelector('[data-testid=ws-template] option:has-text("hippocampus_001")', { state: 'attached' });
    await page.fill('[data-testid=ws-scan-paths]', [...TRAIN_IDS, ...USE_IDS].map(image).join('\n'));
    await page.click('[data-testid=ws-add-scans]');
    await page.waitForSelector('[data-testid=ws-root]:has-text("12 scans")');
    mark('workspace ready');

    // The training screen works in that workspace: template, engine, 10 scans, tiny settings.
    await page.click('[data-testid=tab-training]');
    expect(await page.getAttribute('[data-testid=train-workspace]', 'data-root')).toBe(W);
    expect(await page.$$eval('[data-testid=train-template] option', (o) => o.map((x) => x.textContent))).toEqual(['hippocampus_001']);
    expect(await page.$$eval('[data-testid=train-engine] option', (o) => o.map((x) => (x as HTMLOptionElement).value))).toEqual(
      expect.arrayContaining(['gn', 'student', 'supervoxel']),
    );
    await page.selectOption('[data-testid=train-engine]', 'student');
    for (const id of TRAIN_IDS) await page.check(`[data-testid="train-scan-hippocampus_${id}"] input`);
    for (const [k, v] of Object.entries(TINY_STUDENT))
      await page.fill(`[data-testid=train-opt-${k}]`, Array.isArray(v) ? v.join(',') : String(v));

    // The estimate, from a measured warm-up.
    await page.click('[data-testid=train-estimate]');
    await page.waitForSelector('[data-testid=estimate-total]', { timeout: 300_000 });
    const estimate = Number(await page.getAttribute('[data-testid=estimate-total]', 'data-seconds'));
    expect(estimate).toBeGreaterThan(0);
    mark('estimated');

    // Start: the teacher stage, then the curves gain points.
    await page.click('[data-testid=train-start]');
    await page.waitForSelector('[data-testid=train-state][data-state=running]');
    const runId = (await app.training.list()).at(-1)!.id;
    await page.waitForFunction(() => Number(document.querySelector('[data-testid=curve-loss]')?.getAttribute('data-points')) >= 2, null, {
      timeout: 400_000,
    });
    mark('first points');
    // The curves are drawn where they can be seen (their boxes fill the centre, a canvas inside).
    for (const chart of ['loss', 'dice']) {
      const box = await page.locator(`[data-testid=curve-${chart}] canvas`).first().boundingBox();
      expect(box!.width, chart).toBeGreaterThan(600);
      expect(box!.height, chart).toBeGreaterThan(200);
    }
    await shot('training-curves-early');
    const early = await points('loss');
    await page.waitForFunction(
      (n) =>
        Number(document.querySelector('[data-testid=curve-loss]')?.getAttribute('data-points')) >= n + 2 &&
        Number(document.querySelector('[data-testid=curve-dice]')?.getAttribute('data-points')) >= 1,
      early,
      { timeout: 200_000 },
    );
    await shot('training-curves-more');
    expect(await page.textContent('[data-testid=train-backend]')).toMatch(/cpu|gpu|tensorflow/i);
    expect(await page.textContent('[data-testid=train-step-time]')).toMatch(/\d.* per step/);
    expect(await page.textContent('[data-testid=train-remaining]')).toMatch(/left/);

    // Pause at a step boundary: no more points while paused.
    await page.click('[data-testid=train-pause]');
    await page.waitForSelector('[data-testid=train-state][data-state=paused]', { timeout: 120_000 });
    mark('paused');
    const paused = await points('loss');
    expect(paused).toBeLessThan(TINY_STUDENT.iterations);
    await new Promise((r) => setTimeout(r, 1500));
    expect(await points('loss')).toBe(paused);

    // The training host dies; the run is interrupted, and resumes from its checkpoint.
    app.training.host.kill();
    await page.waitForSelector('[data-testid=train-state][data-state=interrupted]', { timeout: 30_000 });
    await shot('training-interrupted');
    await page.click('[data-testid=train-resume]');
    await page.waitForSelector('[data-testid=train-state][data-state=running]', { timeout: 60_000 });
    await page.waitForSelector('[data-testid=train-state][data-state=done]', { timeout: 600_000 });
    mark('trained');
    await shot('training-done');
    const record = await readRecord(W, runId);
    expect(await points('loss')).toBe(TINY_STUDENT.iterations);
    // The model lands in the Cohort tab's workspace, with its card; the command line lists it there.
    expect(path.dirname(record.modelDir!)).toBe(path.join(W, 'models'));
    const card = await readModelCard(record.modelDir!, 'student');
    expect(card.subjects.training.length + card.subjects.validation.length).toBe(10);
    expect(card.validation.dice).toBeGreaterThan(0);
    expect((await fs.readdir(path.join(W, 'teachers'))).length).toBe(1);
    const listed = await labelwarp(['models', '--workspace', W]);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toContain(path.basename(record.modelDir!));
    // The estimate is of a run without interruption: the seconds the resumed attempt spent starting
    // again after the kill (recorded by the app) are not part of it.
    expect(record.restartSeconds).toBeGreaterThan(0);
    const measured = record.seconds - record.restartSeconds!;
    console.log(
      `training estimate ${estimate.toFixed(1)} s, measured ${measured.toFixed(1)} s (ratio ${(measured / estimate).toFixed(2)}; ${record.seconds.toFixed(1)} s with the ${record.restartSeconds!.toFixed(1)} s of starting again after the kill)`,
    );
    expect(measured / estimate).toBeLessThan(1.5);
    expect(estimate / measured).toBeLessThan(1.5);

    // The model in the engine's model choice of the Cohort tab's batch, marked for the workspace's template.
    await page.click('[data-testid=tab-cohort]');
    await page.selectOption('[data-testid=ws-engine]', 'student');
    const wsOption = `[data-testid=ws-model] option[value="${record.modelDir}"]`;
    await page.waitForSelector(wsOption, { state: 'attached' });
    expect(await page.textContent(wsOption)).toMatch(/this template/);

    // The model in the engine's model choice for this template, used on 2 more scans.
    await page.click('[data-testid=tab-review]');
    await page.click('text=Import a template…');
    await page.fill('[data-testid=tpl-image]', image('001'));
    await page.fill('[data-testid=tpl-labels]', labels('001'));
    await page.click('[data-testid=tpl-import]');
    await page.waitForSelector('[data-testid=templates] li:has-text("hippocampus_001")');
    await page.fill('[data-testid=scan-paths]', USE_IDS.map(image).join('\n'));
    await page.click('[data-testid=scan-add]');
    await page.waitForSelector(`[data-testid="scan-hippocampus_${USE_IDS[1]}_image"]`);
    await page.selectOption('[data-testid=engine]', 'student');
    const option = `[data-testid=model] option[value="${record.modelDir}"]`;
    await page.waitForSelector(option, { state: 'attached' });
    expect(await page.textContent(option)).toMatch(/this template/);
    await page.selectOption('[data-testid=model]', record.modelDir!);
    expect(await page.$('[data-testid=model-warning]')).toBeNull();
    for (const id of USE_IDS) await page.check(`[data-testid="scan-hippocampus_${id}_image"] input[type=checkbox]`);
    await page.click('[data-testid=run-selected]');
    for (const id of USE_IDS)
      await page.waitForSelector(`[data-testid="status-hippocampus_${id}_image"]:has-text("Dice")`, { timeout: 300_000 });
    mark('model used');
    const dice = await Promise.all(USE_IDS.map((id) => page.textContent(`[data-testid="status-hippocampus_${id}_image"]`)));
    console.log(`the app's model on 2 more scans: ${dice.join('; ')}`);
    for (const d of dice) expect(Number(/Dice ([\d.]+)/.exec(d ?? '')![1])).toBeGreaterThan(0.3);
    await shot('training-model-used');

    // With another template (the bundled brain) the same model is marked, and choosing it warns.
    const other = app.ctx.state.templates.find((t) => !t.name.startsWith('hippocampus'))!;
    await page.click(`[data-testid=template-${other.id}]`);
    await page.waitForFunction((sel) => /other template/.test(document.querySelector(sel)?.textContent ?? ''), option);
    await page.waitForSelector('[data-testid=model-warning]');
    // The engine's default (the bundled hippocampus student) warns too: it is no model for a brain.
    await page.selectOption('[data-testid=model]', '');
    await page.waitForSelector('[data-testid=model-warning]:has-text("The engine default")');
    expect(await page.textContent('[data-testid=model-warning]')).toMatch(
      /The engine default, .+, was trained for template hippocampus_001/,
    );
    console.log(`training end to end: ${times.join(', ')}`);
  }, 600_000);
});
