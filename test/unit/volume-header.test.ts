/**
 * Header-only reads (issue 12, item 6): sizes and geometry come from the header, equal to a full
 * read's, without decoding the voxels (a file whose voxel data is cut short still gives its grid).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readVolume, readVolumeHeader } from '../../core/volume/io.js';
import { SHARED } from '../helpers/synthetic.js';

const IXI = path.join(SHARED, 'ixi-brain', 'IXI012_t1.nii.gz');
const HIPPO = path.join(SHARED, 'hippocampus', 'hippocampus_001_labels.nii.gz');
let tmp: string;

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'lw-header-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

describe('readVolumeHeader', () => {
  it('gives the grid a full read gives (large and small files, image and labels)', async () => {
    for (const [file, kind] of [
      [IXI, 'image'],
      [HIPPO, 'labels'],
    ] as const) {
      const full = await readVolume(file, kind);
      const { grid, geometryGuessed } = await readVolumeHeader(file, kind);
      expect(grid.dims).toEqual(full.dims);
      grid.spacing.forEach((s, i) => expect(s).toBeCloseTo(full.spacing[i], 9));
      grid.origin.forEach((o, i) => expect(o).toBeCloseTo(full.origin[i], 9));
      grid.direction.forEach((d, i) => expect(d).toBeCloseTo(full.direction[i], 9));
      expect(geometryGuessed).toBe(false);
    }
  });

  it('does not decode the voxels: a file cut short after its header still gives its grid', async () => {
    const bytes = await fs.readFile(IXI);
    const cut = path.join(tmp, 'cut_t1.nii.gz');
    await fs.writeFile(cut, bytes.subarray(0, bytes.length >> 1));
    await expect(readVolume(cut, 'image')).rejects.toThrow(/cut_t1\.nii\.gz: (corrupt or truncated|truncated)/);
    expect((await readVolumeHeader(cut, 'image')).grid.dims).toEqual((await readVolume(IXI, 'image')).dims);
  });

  it('still refuses what the header alone shows to be wrong, naming the file', async () => {
    const notGzip = path.join(tmp, 'plain.nii.gz');
    await fs.writeFile(notGzip, Buffer.alloc(100_000, 1));
    await expect(readVolumeHeader(notGzip, 'image')).rejects.toThrow(/plain\.nii\.gz: has a \.gz name but is not gzip-compressed/);
    await expect(readVolumeHeader(path.join(tmp, 'missing.nii.gz'), 'image')).rejects.toThrow(/missing\.nii\.gz: file not found/);
  });
});
