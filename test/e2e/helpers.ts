import type { Page } from 'playwright-core';

export { CHROMIUM, CHROMIUM_ARGS, chromiumAvailable, launchBrowser } from '../helpers/chromium.js';

/**
 * Shares of the pixels in a PNG screenshot of a region: clearly coloured (the channels differ by
 * more than 60) and lit (not black: something is drawn there).
 */
export async function pixelShares(page: Page, selector: string): Promise<{ coloured: number; lit: number }> {
  const { data } = await decodePng(page, await page.locator(selector).screenshot());
  let coloured = 0;
  let lit = 0;
  for (let i = 0; i < data.length; i += 4) {
    if (spread(data, i) > 60) coloured++;
    if (Math.max(data[i], data[i + 1], data[i + 2]) > 30) lit++;
  }
  return { coloured: coloured / (data.length / 4), lit: lit / (data.length / 4) };
}

/** Waits until the review panel has drawn what it was asked to (however slow the machine). */
export async function reviewIdle(page: Page): Promise<void> {
  await page.waitForTimeout(200);
  await page.waitForSelector('[data-testid=review][data-busy=false]', { timeout: 60_000 });
  await page.waitForTimeout(400);
}

/** Share of pixels in a PNG screenshot region that are clearly coloured (not gray). */
export async function colouredShare(page: Page, selector: string): Promise<number> {
  return (await pixelShares(page, selector)).coloured;
}

/**
 * Pixels that lost or gained colour between two screenshots of the same region (coloured: the
 * channels differ by more than 60; grey otherwise).
 */
export async function pixelChange(page: Page, before: Buffer, after: Buffer): Promise<{ lostColour: number; gainedColour: number }> {
  const [p, q] = [(await decodePng(page, before)).data, (await decodePng(page, after)).data];
  let lostColour = 0;
  let gainedColour = 0;
  for (let i = 0; i < Math.min(p.length, q.length); i += 4) {
    if (spread(p, i) > 60 && spread(q, i) <= 60) lostColour++;
    if (spread(p, i) <= 60 && spread(q, i) > 60) gainedColour++;
  }
  return { lostColour, gainedColour };
}

/** The RGBA pixels of a PNG screenshot (decoded by the page's own image decoder). */
export async function decodePng(page: Page, png: Buffer): Promise<{ width: number; height: number; data: Uint8Array }> {
  const r = await page.evaluate(async (b64) => {
    const img = new Image();
    img.src = `data:image/png;base64,${b64}`;
    await img.decode();
    const c = document.createElement('canvas');
    c.width = img.width;
    c.height = img.height;
    const ctx = c.getContext('2d')!;
    ctx.drawImage(img, 0, 0);
    const d = ctx.getImageData(0, 0, c.width, c.height).data;
    let bin = '';
    for (let i = 0; i < d.length; i += 0x8000) bin += String.fromCharCode(...d.subarray(i, i + 0x8000));
    return { width: c.width, height: c.height, b64: btoa(bin) };
  }, png.toString('base64'));
  return { width: r.width, height: r.height, data: new Uint8Array(Buffer.from(r.b64, 'base64')) };
}

const spread = (d: Uint8Array, i: number) => Math.max(d[i], d[i + 1], d[i + 2]) - Math.min(d[i], d[i + 1], d[i + 2]);
const luminance = (d: Uint8Array, i: number) => 0.299 * d[i] + 0.587 * d[i + 1] + 0.114 * d[i + 2];

/**
 * An overlay over the anatomy, from two screenshots of one region: the anatomy alone and with the
 * overlay. Over the head (pixels lit in the anatomy): the share coloured by the overlay (channels
 * differ by more than 60), the share still grey, and the correlation of the brightness with and
 * without the overlay over the coloured pixels (near 0 when the colour hides the anatomy).
 */
export async function overAnatomy(
  page: Page,
  anatomyPng: Buffer,
  overlayPng: Buffer,
): Promise<{ head: number; coloured: number; grey: number; correlation: number }> {
  const [a, o] = [await decodePng(page, anatomyPng), await decodePng(page, overlayPng)];
  let head = 0;
  let coloured = 0;
  let grey = 0;
  const x: number[] = [];
  const y: number[] = [];
  for (let i = 0; i < Math.min(a.data.length, o.data.length); i += 4) {
    if (spread(a.data, i) > 40 || luminance(a.data, i) < 40) continue;
    head++;
    if (spread(o.data, i) > 60) {
      coloured++;
      x.push(luminance(a.data, i));
      y.push(luminance(o.data, i));
    } else if (spread(o.data, i) < 40) grey++;
  }
  const mean = (v: number[]) => v.reduce((s, t) => s + t, 0) / Math.max(1, v.length);
  const [mx, my] = [mean(x), mean(y)];
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let k = 0; k < x.length; k++) {
    sxy += (x[k] - mx) * (y[k] - my);
    sxx += (x[k] - mx) ** 2;
    syy += (y[k] - my) ** 2;
  }
  return { head, coloured: coloured / Math.max(1, head), grey: grey / Math.max(1, head), correlation: sxy / Math.sqrt(sxx * syy || 1) };
}

/** Pixels of a screenshot close to a colour (each channel within `tolerance`). */
export async function pixelsOfColour(page: Page, png: Buffer, rgb: [number, number, number], tolerance = 60): Promise<number> {
  const { data } = await decodePng(page, png);
  let n = 0;
  for (let i = 0; i < data.length; i += 4)
    if (
      Math.abs(data[i] - rgb[0]) <= tolerance &&
      Math.abs(data[i + 1] - rgb[1]) <= tolerance &&
      Math.abs(data[i + 2] - rgb[2]) <= tolerance
    )
      n++;
  return n;
}
