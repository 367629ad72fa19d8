import { describe, expect, it } from 'vitest';
import { ESLint } from 'eslint';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

async function lint(code: string, file: string) {
  const eslint = new ESLint({ cwd: ROOT });
  const [result] = await eslint.lintText(code, { filePath: path.join(ROOT, file) });
  return result.messages.map((m) => m.message);
}

describe('layer rule: core/ imports nothing from electron/, renderer/, Electron or the DOM', () => {
  it('rejects such imports in core/', async () => {
    expect((await lint("import { app } from 'electron';\nexport const a = app;\n", 'core/x.ts')).join()).toMatch(
      /must not import Electron/,
    );
    expect((await lint("import { w } from '../electron/main.js';\nexport const a = w;\n", 'core/x.ts')).join()).toMatch(
      /must not import from electron/,
    );
    expect((await lint("import { w } from '../../renderer/src/app.js';\nexport const a = w;\n", 'core/cli/x.ts')).join()).toMatch(
      /must not import from renderer/,
    );
    expect((await lint('export const a = document.title;\n', 'core/x.ts')).join()).toMatch(/must not use the DOM/);
  });

  it('allows them outside core/', async () => {
    expect(await lint("import { app } from 'electron';\nexport const a = app;\n", 'electron/x.ts')).toEqual([]);
  });
});
