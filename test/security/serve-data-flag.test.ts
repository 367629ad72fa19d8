/**
 * `npm run serve -- --data DIR`: source scans the interface may read but never write (an export,
 * even chosen by one click in the folder browser, cannot land there); `--root` stays writable.
 */
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from '../helpers/cli.js';

/** Starts the server, returns what it printed once it serves, and stops it. */
async function banner(args: string[]): Promise<string> {
  const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'serve.mjs'), ...args], { cwd: ROOT });
  let out = '';
  try {
    return await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no banner in 60 s:\n${out}`)), 60_000);
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (/Ctrl\+C to stop/.test(out)) {
          clearTimeout(timer);
          resolve(out);
        }
      });
      child.stderr.on('data', (d: Buffer) => (out += d.toString()));
      child.on('exit', (code) => reject(new Error(`serve exited (${code}):\n${out}`)));
    });
  } finally {
    child.kill('SIGTERM');
  }
}

describe('serve --data', () => {
  it('lists --data folders as read-only and --root folders as writable', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'lw-serve-data-'));
    const [data, work, state] = ['data', 'work', 'state'].map((d) => path.join(dir, d));
    await Promise.all([fs.mkdir(data), fs.mkdir(work)]);
    const text = await banner(['--data', data, '--root', work, '--state', state]);
    const lines = text.split('\n').map((l) => l.trim());
    expect(lines).toContain(`${data} (read-only)`);
    expect(lines).toContain(work);
    // Without --root, only what --data names (and the bundled resources) is reachable.
    const only = await banner(['--data', data, '--state', state]);
    expect(only).not.toContain(`  ${ROOT}\n`);
    expect(only.split('\n').filter((l) => l.startsWith('  /') && !/\(read-only\)$/.test(l))).toEqual([]);
    await fs.rm(dir, { recursive: true, force: true });
  }, 150_000);
});
