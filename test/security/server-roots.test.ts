/**
 * The allowed-folders rule (electron/security/roots.ts) on its own: real paths decide, links
 * cannot lead out, new files are judged by their nearest existing folder, and nothing outside is
 * touched before refusing.
 */
import { describe, expect, it, beforeAll } from 'vitest';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AllowedRoots } from '../../electron/security/roots.js';

let tmp: string;
let roots: AllowedRoots;

beforeAll(async () => {
  tmp = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'lw-sec-roots-')));
  await fs.mkdir(path.join(tmp, 'rw', 'sub'), { recursive: true });
  await fs.mkdir(path.join(tmp, 'ro'));
  await fs.mkdir(path.join(tmp, 'elsewhere'));
  await fs.writeFile(path.join(tmp, 'rw', 'sub', 'a.nii.gz'), 'x');
  await fs.writeFile(path.join(tmp, 'elsewhere', 'b.nii.gz'), 'x');
  await fs.symlink(path.join(tmp, 'elsewhere'), path.join(tmp, 'rw', 'out'));
  await fs.symlink('../../elsewhere/b.nii.gz', path.join(tmp, 'rw', 'sub', 'rel.nii.gz'));
  await fs.symlink(path.join(tmp, 'rw'), path.join(tmp, 'alias'));
  roots = new AllowedRoots();
  await roots.add(path.join(tmp, 'rw'), true);
  await roots.add(path.join(tmp, 'ro'), false);
});

describe('allowed folders', () => {
  it('reads inside, by the name given (a linked root works under both names)', async () => {
    await expect(roots.resolve(path.join(tmp, 'rw', 'sub', 'a.nii.gz'), 'read')).resolves.toBe(path.join(tmp, 'rw', 'sub', 'a.nii.gz'));
    await expect(roots.resolve(path.join(tmp, 'rw', 'sub', '..', 'sub', 'a.nii.gz'), 'read')).resolves.toBe(
      path.join(tmp, 'rw', 'sub', 'a.nii.gz'),
    );
    await expect(roots.resolve(path.join(tmp, 'rw', 'missing.nii.gz'), 'read')).rejects.toThrow(/file not found/);
  });

  it('refuses what lies outside, through `..`, absolute and relative links alike', async () => {
    for (const p of [
      path.join(tmp, 'elsewhere', 'b.nii.gz'),
      path.join(tmp, 'rw', '..', 'elsewhere', 'b.nii.gz'),
      path.join(tmp, 'rw', 'out', 'b.nii.gz'),
      path.join(tmp, 'rw', 'out', 'missing.nii.gz'),
      path.join(tmp, 'rw', 'sub', 'rel.nii.gz'),
      path.join(tmp, 'alias', 'sub', 'a.nii.gz'),
      '/etc/passwd',
    ])
      await expect(roots.resolve(p, 'read'), p).rejects.toThrow(/outside the folders LabelWarp may read/);
  });

  it('writes only into writable folders, new subfolders judged by their nearest existing parent', async () => {
    await expect(roots.resolve(path.join(tmp, 'rw', 'new', 'deeper'), 'write')).resolves.toBe(path.join(tmp, 'rw', 'new', 'deeper'));
    await expect(roots.resolve(path.join(tmp, 'ro', 'export'), 'write')).rejects.toThrow(/may write to/);
    await expect(roots.resolve(path.join(tmp, 'rw', 'out', 'new'), 'write')).rejects.toThrow(/may write to/);
    await expect(roots.resolve(path.join(tmp, 'ro'), 'read')).resolves.toBe(path.join(tmp, 'ro'));
  });

  it('grants what is picked in a dialog: a folder for reading and writing, a file’s folder for reading', async () => {
    const picked = new AllowedRoots();
    await picked.grantPicked('files', [path.join(tmp, 'elsewhere', 'b.nii.gz')]);
    await expect(picked.resolve(path.join(tmp, 'elsewhere', 'b.nii.gz'), 'read')).resolves.toBeTruthy();
    await expect(picked.resolve(path.join(tmp, 'elsewhere', 'x'), 'write')).rejects.toThrow(/may write to/);
    await picked.grantPicked('folder', [path.join(tmp, 'elsewhere')]);
    await expect(picked.resolve(path.join(tmp, 'elsewhere', 'x'), 'write')).resolves.toBeTruthy();
  });

  it('refuses the file-system root as an allowed folder', async () => {
    await expect(new AllowedRoots().add('/', true)).rejects.toThrow(/file-system root/);
  });
});
