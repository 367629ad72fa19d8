import type { Page } from 'playwright-core';

export { CHROMIUM, CHROMIUM_ARGS, chromiumAvailable, launchBrowser } from '../helpers/chromium.js';

/** Share of pixels in a PNG screenshot region that are clearly coloured (not gray). */
export async function colouredShare(page: Page, selector: string): Promise<number> {
  const png = await page.locator(selector).screenshot();
  return page.evaluate(async (b64) => {
    const img = new Image();
    img.src = `data:image/png;base64,${b64}`;
    await img.decode();
    const c = document.createElement('canvas');
    c.width = img.width;
    c.height = img.height;
    const ctx = c.getContext('2d')!;
    ctx.drawImage(img, 0, 0);
    const d = ctx.getImageData(0, 0, c.width, c.height).data;
    let coloured = 0;
    for (let i = 0; i < d.length; i += 4) {
      const r = d[i];
      const g = d[i + 1];
      const b = d[i + 2];
      if (Math.max(r, g, b) - Math.min(r, g, b) > 60) coloured++;
    }
    return coloured / (d.length / 4);
  }, png.toString('base64'));
}

/**
 * Pixels that lost or gained colour between two screenshots of the same region (coloured: the
 * channels differ by more than 60; grey otherwise).
 */
export async function pixelChange(page: Page, before: Buffer, after: Buffer): Promise<{ lostColour: number; gainedColour: number }> {
  return page.evaluate(
    async ([a, b]) => {
      const pixels = async (b64: string) => {
        const img = new Image();
        img.src = `data:image/png;base64,${b64}`;
        await img.decode();
        const c = document.createElement('canvas');
        c.width = img.width;
        c.height = img.height;
        const ctx = c.getContext('2d')!;
        ctx.drawImage(img, 0, 0);
        return ctx.getImageData(0, 0, c.width, c.height).data;
      };
      const [p, q] = [await pixels(a), await pixels(b)];
      const coloured = (d: Uint8ClampedArray, i: number) => Math.max(d[i], d[i + 1], d[i + 2]) - Math.min(d[i], d[i + 1], d[i + 2]) > 60;
      let lostColour = 0;
      let gainedColour = 0;
      for (let i = 0; i < Math.min(p.length, q.length); i += 4) {
        if (coloured(p, i) && !coloured(q, i)) lostColour++;
        if (!coloured(p, i) && coloured(q, i)) gainedColour++;
      }
      return { lostColour, gainedColour };
    },
    [before.toString('base64'), after.toString('base64')],
  );
}
