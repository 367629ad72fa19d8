import type { Page } from 'playwright-core';

export { CHROMIUM, CHROMIUM_ARGS, chromiumAvailable, launchBrowser } from '../helpers/chromium.js';

/**
 * Shares of the pixels in a PNG screenshot of a region: clearly coloured (the channels differ by
 * more than 60) and lit (not black: something is drawn there).
 */
export async function pixelShares(page: Page, selector: string): Promise<{ coloured: number; lit: number }> {
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
    let lit = 0;
    for (let i = 0; i < d.length; i += 4) {
      const hi = Math.max(d[i], d[i + 1], d[i + 2]);
      if (hi - Math.min(d[i], d[i + 1], d[i + 2]) > 60) coloured++;
      if (hi > 30) lit++;
    }
    return { coloured: coloured / (d.length / 4), lit: lit / (d.length / 4) };
  }, png.toString('base64'));
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
