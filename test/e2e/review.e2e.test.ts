/**
 * The review a researcher can trust (issue 12), end to end in headless Chromium: the quality light
 * turning red for the hippocampus template on a whole brain, DLMUSE names in the legend and under
 * the cursor, a table row moving all three viewports, hiding a label (checked by pixels),
 * maximising, the grid as thin lines, the Jacobian over the anatomy with its colour bar, and no
 * console errors or warnings from our code. Every screen is taken at 1366×768 and 1920×1080;
 * `LABELWARP_SCREENSHOTS=docs` writes them to docs/screenshots/ (the README shows them).
 */
import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { promises as fs, existsSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { AppService } from '../../electron/app/app-service.js';
import type { RunningServer } from '../../electron/serve/server.js';
import { SHARED } from '../helpers/synthetic.js';
import { startBrowserApp } from './browser-app.js';
import { chromiumAvailable, colouredShare, overAnatomy, pixelChange, pixelsOfColour, reviewIdle } from './helpers.js';

const ROOT = path.resolve(new URL('../..', import.meta.url).pathname);
const SHOTS =
  process.env.LABELWARP_SCREENSHOTS === 'docs' ? path.join(ROOT, 'docs', 'screenshots') : path.join(ROOT, 'test-results', 'e2e-review');
const IXI = path.join(SHARED, 'ixi-brain');
const HIPPO = path.join(SHARED, 'hippocampus');
const ready = chromiumAvailable() && existsSync(path.join(ROOT, 'renderer', 'dist', 'index.html'));
const SIZES = [
  { width: 1366, height: 768 },
  { width: 1920, height: 1080 },
];

let app: AppService;
let server: RunningServer;
let browser: Browser;
let page: Page;
let stateDir: string;
/** Console errors and warnings of the page, less the renderer's own GL driver notes. */
const consoleProblems: string[] = [];

const idle = () => reviewIdle(page);

/** Screenshots of the whole window at both sizes (the viewers refit to each), `show` scrolled into view. */
async function shot(name: string, show?: string) {
  for (const size of [...SIZES].reverse()) {
    await page.setViewportSize(size);
    await idle();
    if (show) await page.locator(show).scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(SHOTS, `${name}-${size.width}x${size.height}.png`) });
  }
  await idle();
}

async function focalPoints(): Promise<number[][]> {
  return page.evaluate(() => {
    const w = globalThis as unknown as {
      __labelwarpViewer: {
        getRenderingEngine: (id: string) => { getViewport: (n: string) => { getCamera: () => { focalPoint: number[] } } };
      };
    };
    const e = w.__labelwarpViewer.getRenderingEngine('labelwarp-engine');
    return ['axial', 'sagittal', 'coronal'].map((n) => [...e.getViewport(n).getCamera().focalPoint]);
  });
}

describe.runIf(ready)('review: quality, named labels, viewers (end to end)', () => {
  beforeAll(async () => {
    await fs.mkdir(SHOTS, { recursive: true });
    ({ app, server, browser, page, stateDir } = await startBrowserApp('lw-review-', SIZES[0]));
    page.on('console', (m) => {
      // Not ours: Chromium's software GL notes, and Cornerstone's own note when its camera reset
      // (inside setVolumesForViewports, or when it mounts a label map's actor and tries to restore
      // the view) puts the focal point between two slices of an even count.
      const notOurs = /GL Driver Message|GPU stall|^No imageId found within the specified criteria/.test(m.text());
      if ((m.type() === 'error' || m.type() === 'warning') && !notOurs) consoleProblems.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => consoleProblems.push(`page error: ${e.message}`));
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    app?.dispose();
    if (stateDir) await fs.rm(stateDir, { recursive: true, force: true });
  });

  it('refuses an MRI as a label map, imports the hippocampus template with its names, runs both templates', async () => {
    await page.goto(server.url);
    await page.waitForSelector('body[data-ready=true]');
    await page.click('text=Import a template…');
    await page.fill('[data-testid=tpl-image]', path.join(HIPPO, 'hippocampus_001_image.nii.gz'));
    await page.fill('[data-testid=tpl-labels]', path.join(HIPPO, 'hippocampus_001_image.nii.gz'));
    await page.click('[data-testid=tpl-import]');
    await page.waitForSelector('[data-testid=notice]:has-text("looks like an intensity image, not a label map")');
    await page.evaluate(() => document.querySelectorAll('[data-testid=notice]').forEach((n) => (n as HTMLElement).click()));
    await page.fill('[data-testid=tpl-labels]', path.join(HIPPO, 'hippocampus_001_labels.nii.gz'));
    await page.fill('[data-testid=tpl-names]', path.join(HIPPO, 'labels.txt'));
    await page.click('[data-testid=tpl-import]');
    await page.waitForSelector('[data-testid=notice]:has-text("imported (2 labels)")');

    await page.fill('[data-testid=scan-paths]', `${path.join(IXI, 'IXI014_t1.nii.gz')}\n${path.join(IXI, 'IXI015_t1.nii.gz')}`);
    await page.click('[data-testid=scan-add]');
    await page.waitForSelector('[data-testid="scan-IXI015_t1"]');
    // The bundled brain with gn (one level after the discrete search: a deformation to look at, in less time) on IXI014 …
    await page.click('[data-testid="template-sample-ixi012"]');
    await page.selectOption('[data-testid=engine]', 'gn');
    await page.click('[data-testid=run] summary');
    await page.fill('[data-testid=option-factors]', '2');
    await page.check('[aria-label="select IXI014_t1"]');
    await page.click('[data-testid=run-selected]');
    await page.waitForSelector('[data-testid="status-IXI014_t1"]:has-text("running")', { timeout: 60_000 });
    await shot('01-running');
    await page.waitForSelector('[data-testid="status-IXI014_t1"]:has-text("done")', { timeout: 300_000 });
    // … the bundled brain on IXI015 with affine (plausible), then the hippocampus crop on the same
    // whole brain (affine: the alignment alone already fails): the red result follows a good one.
    await page.selectOption('[data-testid=engine]', 'affine');
    await page.uncheck('[aria-label="select IXI014_t1"]');
    await page.check('[aria-label="select IXI015_t1"]');
    await page.click('[data-testid=run-selected]');
    await page.waitForSelector('[data-testid="status-IXI015_t1"]:has-text("done")', { timeout: 300_000 });
    expect(await page.getAttribute('[data-testid="light-IXI015_t1"]', 'class')).not.toMatch(/light-red/);
    await page.click('[data-testid=templates] li:has-text("hippocampus_001_image")');
    await page.click('[data-testid=run-selected]');
    await page.waitForSelector(
      '[data-testid=notice]:has-text("IXI015_t1: the new result looks implausible; the earlier affine result is kept")',
      {
        timeout: 300_000,
      },
    );
    await page.waitForSelector('[data-testid="status-IXI015_t1"]:has-text("done")');
  }, 600_000);

  it('turns the quality light red for the hippocampus template on a whole brain, with the warning in plain words', async () => {
    expect(await page.getAttribute('[data-testid="light-IXI015_t1"]', 'class')).toMatch(/light-red/);
    expect(await page.textContent('[data-testid="status-IXI015_t1"]')).toMatch(/implausible/);
    await page.click('[data-testid="review-IXI015_t1"]');
    await idle();
    expect(await page.getAttribute('[data-testid=quality-light]', 'data-light')).toBe('red');
    expect(await page.textContent('[data-testid=quality]')).toMatch(/implausible/);
    expect(await page.textContent('[data-testid=quality-warnings]')).toMatch(/poor alignment: normalised cross-correlation/);
    expect(await page.textContent('[data-testid=quality]')).toMatch(/Alignment \(NCC after the affine step\)/);
    // The Dice rows are the reference's labels, named by the reference's own table (DLMUSE, beside
    // it), not by the hippocampus template's; where the two tables disagree the template's name is shown too.
    await page.waitForSelector('[data-testid=dice-table] tbody tr[data-label="4"]');
    expect(await page.textContent('[data-testid=dice-table] tbody tr[data-label="4"] td.name')).toMatch(/^\s*Third Ventricle\s*$/);
    expect(await page.textContent('[data-testid=dice-table] tbody tr[data-label="1"] td.name')).toMatch(
      /^\s*Label 1 \(inside the intracranial volume/,
    );
    expect(await page.textContent('[data-testid=template-name-1]')).toMatch(/Anterior hippocampus/);
    // An affine result has no Jacobian to offer.
    expect(await page.locator('[data-testid=mode] option[value=jacobian]').count()).toBe(0);
    await shot('02-quality-red');
    // The earlier, plausible result of IXI015 was kept: one choice away in the scan list.
    const choice = '[data-testid="results-IXI015_t1"]';
    const options = page.locator(`${choice} option`);
    expect(await options.count()).toBe(2);
    expect(await options.nth(0).textContent()).toMatch(/^implausible · affine · hippocampus_001_image · Dice 0\.000 · /);
    expect(await options.nth(1).textContent()).toMatch(/^(looks plausible|check) · affine · Sample: IXI012 brain.* · Dice 0\.\d+ · /);
    const [newest, earlier] = [await options.nth(0).getAttribute('value'), await options.nth(1).getAttribute('value')];
    await page.selectOption(choice, earlier!);
    await page.waitForFunction(
      () => !/light-red/.test(document.querySelector('[data-testid="light-IXI015_t1"]')?.className ?? 'light-red'),
    );
    await idle();
    await page.waitForFunction(() => /^Review · IXI015_t1/.test(document.querySelector('[data-testid=review] h2')?.textContent ?? ''));
    expect(await page.getAttribute('[data-testid=quality-light]', 'data-light')).not.toBe('red');
    expect(Number(await page.textContent('[data-testid=dice-summary] strong'))).toBeGreaterThan(0.3);
    await shot('10-earlier-result-chosen', choice);
    await page.selectOption(choice, newest!);
    await page.waitForFunction(() => /light-red/.test(document.querySelector('[data-testid="light-IXI015_t1"]')?.className ?? ''));
    // The good brain result is green.
    expect(await page.getAttribute('[data-testid="light-IXI014_t1"]', 'class')).toMatch(/light-green/);
  });

  it('names the DLMUSE labels in the legend and under the cursor, and a table row moves all three viewports to its label', async () => {
    await page.click('[data-testid="review-IXI014_t1"]');
    await page.waitForSelector('[data-testid=dice-table] tbody tr');
    await idle();
    expect(await page.textContent('[data-testid=legend-48]')).toMatch(/Left Hippocampus/);
    expect(await page.textContent('[data-testid=legend]')).toMatch(/Frontal Lobe White Matter Right/);
    await page.fill('[data-testid=legend-search]', 'hippocampus');
    expect(await page.locator('[data-testid=legend] li').count()).toBe(2);
    await page.click('[data-testid=legend-search]');
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Backspace');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=legend] li').length > 100);
    // Hover over the middle of the brain in the axial view: a DLMUSE name, slice, coordinates, intensity.
    const box = (await page.locator('[data-testid=viewport-axial]').boundingBox())!;
    // The readout follows the mouse once the result's volumes are loaded: move it (as a hand would)
    // until it reads a slice (CI once moved it only while they were still loading).
    for (let i = 0, t0 = Date.now(); ; i++) {
      const f = 0.45 + 0.01 * (i % 2);
      await page.mouse.move(box.x + box.width * f, box.y + box.height * f);
      if (/slice/.test((await page.textContent('[data-testid=hover]')) ?? '')) break;
      if (Date.now() - t0 > 30_000) throw new Error('the hover readout never named a slice');
      await page.waitForTimeout(250);
    }
    const readout = (await page.textContent('[data-testid=hover]'))!;
    expect(readout).toMatch(/^axial slice \d+\/\d+ · \(-?[\d.]+, -?[\d.]+, -?[\d.]+\) mm · intensity [\d.e+-]+ · /);
    expect(readout).not.toMatch(/Label \d+ \(/);
    expect(readout).toMatch(/[A-Z][a-z]+.* \(\d+\)|background/);
    await shot('03-review-labels');

    const before = await focalPoints();
    const cyan = async () =>
      Promise.all(
        ['axial', 'sagittal', 'coronal'].map(async (v) =>
          pixelsOfColour(page, await page.locator(`[data-testid=viewport-${v}]`).screenshot(), [0, 255, 255]),
        ),
      );
    const cyanBefore = await cyan();
    await page.click('[data-testid=dice-table] tbody tr[data-label="48"]');
    await page.waitForFunction(() =>
      /Left Hippocampus \(48\) · centre/.test(document.querySelector('[data-testid=hover]')?.textContent ?? ''),
    );
    await idle();
    const after = await focalPoints();
    const centre = (await page.textContent('[data-testid=hover]'))!
      .match(/centre \((-?[\d.]+), (-?[\d.]+), (-?[\d.]+)\)/)!
      .slice(1)
      .map(Number);
    // Each viewport's slice and view centre pass through the label's centre (the camera's focal
    // point; it sets the slice along the viewport's normal) …
    for (let v = 0; v < 3; v++) {
      expect(Math.hypot(...after[v].map((x, i) => x - before[v][i])), `viewport ${v} moved`).toBeGreaterThan(2);
      for (let i = 0; i < 3; i++) expect(Math.abs(after[v][i] - centre[i]), `viewport ${v}, coordinate ${i}`).toBeLessThan(1);
    }
    // … and each shows the label, outlined in cyan, on that slice.
    const cyanAfter = await cyan();
    for (let v = 0; v < 3; v++) expect(cyanAfter[v] - cyanBefore[v], `viewport ${v} outlines the label`).toBeGreaterThan(30);
    expect(await page.getAttribute('[data-testid=dice-table] tbody tr[data-label="48"]', 'class')).toMatch(/focused/);
    // The slices stay at the label when the window changes size (the screenshots at both sizes).
    await shot('04-row-click-left-hippocampus');
    const resized = await focalPoints();
    for (let v = 0; v < 3; v++) for (let i = 0; i < 3; i++) expect(Math.abs(resized[v][i] - centre[i])).toBeLessThan(1);
  });

  it('hides a label (the pixels of its colour go grey) and shows it again', async () => {
    await page.click('[data-testid="review-IXI014_t1"]');
    await page.waitForSelector('[data-testid=dice-table] tbody tr');
    await idle();
    await page.click('[data-testid=dice-table] tbody tr[data-label="81"]');
    await idle();
    const shown = await page.locator('[data-testid=viewport-axial]').screenshot();
    await page.uncheck('[data-testid=legend-81] input[type=checkbox]');
    await idle();
    const hidden = await page.locator('[data-testid=viewport-axial]').screenshot();
    const change = await pixelChange(page, shown, hidden);
    // Frontal white matter on its own centre slice: a large area loses its colour, nothing gains any.
    expect(change.lostColour).toBeGreaterThan(400);
    expect(change.gainedColour).toBeLessThan(change.lostColour / 20);
    await shot('05-label-hidden');
    await page.click('[data-testid=legend-show-all]');
    await idle();
    const back = await pixelChange(page, hidden, await page.locator('[data-testid=viewport-axial]').screenshot());
    expect(back.gainedColour).toBeGreaterThan(400);
  });

  it('maximises a viewport on double-click and restores it', async () => {
    const small = (await page.locator('[data-testid=viewport-sagittal]').boundingBox())!;
    await page.dblclick('[data-testid=viewport-sagittal]');
    await idle();
    const big = (await page.locator('[data-testid=viewport-sagittal]').boundingBox())!;
    expect(big.width).toBeGreaterThan(2 * small.width);
    expect(await page.locator('[data-testid=viewport-axial]').isVisible()).toBe(false);
    await shot('06-maximised');
    await page.dblclick('[data-testid=viewport-sagittal]');
    await idle();
    expect(await page.locator('[data-testid=viewport-axial]').isVisible()).toBe(true);
    await page.selectOption('[data-testid=layout]', '2x2');
    await idle();
    const axial = (await page.locator('[data-testid=viewport-axial]').boundingBox())!;
    const coronal = (await page.locator('[data-testid=viewport-coronal]').boundingBox())!;
    expect(axial.height).toBeGreaterThan(1.8 * coronal.height);
    await shot('07-layout-2x2');
    await page.selectOption('[data-testid=layout]', '1x3');
  });

  it('draws the deformation grid as thin lines', async () => {
    // Labels out of the way: only the grid is coloured.
    await page.click('[data-testid=legend-hide-shown]');
    await page.check('[data-testid=show-grid]');
    await idle();
    const grid = await colouredShare(page, '[data-testid=viewport-axial]');
    // Lines one voxel wide every 8 template voxels, two families in a slice: about 1 − (7/8)² = 23 %
    // of the template's extent, less where it lies outside the view; solid slabs would fill it.
    expect(grid).toBeGreaterThan(0.02);
    expect(grid).toBeLessThan(0.27);
    await shot('08-grid');
    await page.uncheck('[data-testid=show-grid]');
    await page.click('[data-testid=legend-show-all]');
  });

  it('shows the Jacobian over the anatomy on a log scale with a labelled colour bar; opacity works', async () => {
    await page.selectOption('[data-testid=mode]', 'jacobian');
    await idle();
    expect(await page.isVisible('[data-testid=colourbar]')).toBe(true);
    expect(await page.textContent('[data-testid=colourbar]')).toMatch(/folding \(det J ≤ 0\)/);
    expect(await page.textContent('[data-testid=colourbar-key]')).toMatch(
      /scan → template map, log scale: blue < 1, the template stretched onto a larger scan region · red > 1, squeezed · see-through within ±\d+ % of 1/,
    );
    // The ends of the bar name the scale's det J range (reciprocal about 1, between ×1.25 and ×4).
    const low = Number(await page.textContent('[data-testid="colourbar-tick--1"]'));
    const high = Number(await page.textContent('[data-testid="colourbar-tick-1"]'));
    expect(await page.textContent('[data-testid="colourbar-tick-0"]')).toBe('1');
    expect(high).toBeGreaterThanOrEqual(1.25);
    expect(high).toBeLessThanOrEqual(4);
    expect(low * high).toBeCloseTo(1, 1);
    const withJacobian = await page.locator('[data-testid=viewport-axial]').screenshot();
    await shot('09-jacobian');
    // At opacity 0 the overlay is gone: the anatomy alone.
    await page.fill('[data-testid=opacity]', '0');
    await page.dispatchEvent('[data-testid=opacity]', 'input');
    await idle();
    const anatomy = await page.locator('[data-testid=viewport-axial]').screenshot();
    // (The crosshairs' lines are all that stays coloured.)
    expect(await colouredShare(page, '[data-testid=viewport-axial]')).toBeLessThan(0.02);
    const m = await overAnatomy(page, anatomy, withJacobian);
    console.log(`Jacobian over the head: ${JSON.stringify(m)}`);
    // Over the head the expansion and compression are coloured, a see-through band near det J = 1
    // leaves some of it grey, and under the colour the anatomy still shows (its brightness follows).
    expect(m.head).toBeGreaterThan(5000);
    expect(m.coloured).toBeGreaterThan(0.3);
    expect(m.grey).toBeGreaterThan(0.02);
    expect(m.correlation).toBeGreaterThan(0.3);
    await page.fill('[data-testid=opacity]', '0.5');
    await page.dispatchEvent('[data-testid=opacity]', 'input');
    await page.selectOption('[data-testid=mode]', 'labels');
    await idle();
  });

  it('logged no console errors or warnings', () => {
    expect(consoleProblems).toEqual([]);
  });
});
