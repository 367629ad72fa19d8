/** The packaged-style launch: runs only where the Electron binary exists (it downloads on first use). */
import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { _electron as electron } from 'playwright-core';
import { electronBinary } from '../../scripts/electron-binary.mjs';

const ROOT = path.resolve(new URL('../..', import.meta.url).pathname);
const binary = electronBinary();
const available = binary !== undefined && existsSync(path.join(ROOT, 'dist-electron', 'main.mjs'));
if (!available)
  console.warn(
    'Electron launch test skipped: the Electron binary is not installed here (it is downloaded on first use, which this network blocks); the renderer is tested in browser mode instead.',
  );

describe.runIf(available)('Electron app', () => {
  it('opens the window with the sample template, isolated from Node', async () => {
    const app = await electron.launch({ args: [ROOT], executablePath: binary });
    const win = await app.firstWindow();
    await win.waitForSelector('body[data-ready=true]');
    expect(await win.textContent('[data-testid=templates]')).toMatch(/IXI012/);
    expect(await win.evaluate(() => typeof (globalThis as { require?: unknown }).require)).toBe('undefined');
    await app.close();
  });
});
