/**
 * Browser mode's file and folder browser (issue 12, item 4): the server lists only the allowed
 * folders; `..`, links leading out of them, paths outside them and paths that do not exist are
 * refused with one line; a listing never shows a link that leads out.
 */
import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { RESOURCES, startTestServer } from '../helpers/test-server.js';
import type { TestServer } from '../helpers/test-server.js';
import { connect } from './server-harness.js';
import type { Client } from './server-harness.js';
import type { FileRoot, FolderListing } from '../../core/ipc/contract.js';

let running: TestServer;
let client: Client;
let allowed: string;
let outside: string;

beforeAll(async () => {
  running = await startTestServer({
    prepare: async (dir) => {
      allowed = path.join(dir, 'allowed');
      outside = path.join(dir, 'outside');
      await fs.mkdir(path.join(allowed, 'sub', 'deeper'), { recursive: true });
      await fs.mkdir(outside);
      await fs.writeFile(path.join(allowed, 'a_t1.nii.gz'), 'x');
      await fs.writeFile(path.join(allowed, 'notes.md'), 'x');
      await fs.writeFile(path.join(allowed, '.hidden'), 'x');
      await fs.writeFile(path.join(outside, 'secret.nii.gz'), 'x');
      await fs.symlink(outside, path.join(allowed, 'out'));
      await fs.symlink('../outside/secret.nii.gz', path.join(allowed, 'link.nii.gz'));
      await fs.symlink(path.join(allowed, 'sub'), path.join(allowed, 'inside-link'));
    },
    roots: (dir) => [
      [path.join(dir, 'allowed'), true],
      [RESOURCES, false],
    ],
  });
  client = await connect(running.server.port, running.server.token);
});

afterAll(async () => {
  client?.close();
  await running?.close();
});

const list = (folder: string) => client.ask('files.list', { folder });

describe('browser-mode file browser', () => {
  it('starts at the allowed folders', async () => {
    const r = await client.ask('files.roots');
    expect(r.ok).toBe(true);
    const roots = r.result as FileRoot[];
    expect(roots.slice(0, 2)).toEqual([
      { path: allowed, writable: true },
      { path: RESOURCES, writable: false },
    ]);
    // Beyond the configured folders only the app's own workspace models (trained on the training
    // screen) are readable, never writable.
    for (const extra of roots.slice(2)) {
      expect(extra.writable).toBe(false);
      expect(extra.path).toMatch(/[\\/]workspace[\\/]models$/);
    }
    expect(roots.length).toBeLessThanOrEqual(3);
  });

  it('lists a folder inside them: folders first, links only where they stay inside, no hidden files', async () => {
    const r = await list(allowed);
    expect(r.ok, r.error).toBe(true);
    const l = r.result as FolderListing;
    expect(l.folder).toBe(allowed);
    expect(l.parent).toBeUndefined();
    expect(l.writable).toBe(true);
    expect(l.entries.map((e) => [e.name, e.kind])).toEqual([
      ['inside-link', 'folder'],
      ['sub', 'folder'],
      ['a_t1.nii.gz', 'file'],
      ['notes.md', 'file'],
    ]);
    expect(l.entries.find((e) => e.name === 'a_t1.nii.gz')?.openable).toBe(true);
    expect(l.entries.find((e) => e.name === 'notes.md')?.openable).toBe(false);
    const sub = (await list(path.join(allowed, 'sub', 'deeper'))).result as FolderListing;
    expect(sub.parent).toBe(path.join(allowed, 'sub'));
  });

  it('refuses hostile paths with one line each, and nothing outside is listed', async () => {
    const cases: [string, RegExp][] = [
      [`${allowed}/../outside`, /must not contain "\." or "\.\." segments/],
      [`${allowed}/./sub`, /must not contain/],
      [path.join(allowed, 'out'), /outside the folders LabelWarp may read/],
      [path.join(allowed, 'out', 'deeper'), /outside the folders LabelWarp may read/],
      [outside, /outside the folders LabelWarp may read/],
      ['/etc', /outside the folders LabelWarp may read/],
      ['/', /outside the folders LabelWarp may read/],
      [path.join(allowed, 'missing'), /not found/],
      [path.join(allowed, 'a_t1.nii.gz'), /is not a folder/],
      ['relative/path', /absolute path/],
    ];
    for (const [folder, pattern] of cases) {
      const r = await list(folder);
      expect(r.ok, folder).toBe(false);
      expect(r.error, folder).toMatch(pattern);
      expect(r.error, folder).not.toMatch(/\n/);
      expect(r.error, folder).not.toMatch(/secret/);
    }
    // Outside: the same answer whether or not the folder exists.
    const a = await list(path.join(outside));
    const b = await list(path.join(path.dirname(outside), 'no-such-folder'));
    expect(a.error?.replace(outside, 'X')).toBe(b.error?.replace(path.join(path.dirname(outside), 'no-such-folder'), 'X'));
    expect((await client.ask('files.list', { folder: allowed, extra: 1 })).error).toMatch(/unexpected argument/);
  });
});
