// Path of the installed Electron binary, or undefined — without triggering its download
// (requiring the `electron` package downloads the binary when it is missing).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

export function electronBinary() {
  if (process.env.ELECTRON_OVERRIDE_DIST_PATH) return undefined;
  try {
    const pkg = createRequire(import.meta.url).resolve('electron/package.json');
    const dir = path.dirname(pkg);
    const pathFile = path.join(dir, 'path.txt');
    if (!existsSync(pathFile)) return undefined;
    const bin = path.join(dir, 'dist', readFileSync(pathFile, 'utf8').trim());
    return existsSync(bin) ? bin : undefined;
  } catch {
    return undefined;
  }
}
