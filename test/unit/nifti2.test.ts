/**
 * NIfTI-2 (540-byte header, 64-bit dims, double-precision fields), which ITK-Wasm does not read:
 * LabelWarp reads the plain ones itself (3D, a clear orientation, either byte order) into the same
 * volume as the NIfTI-1 file they were written from, and refuses the others with one line.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';
import os from 'node:os';
import path from 'node:path';
import { readVolume, readVolumeHeader } from '../../core/volume/io.js';
import { SHARED } from '../helpers/synthetic.js';
import { toNifti2, withFields2 } from '../helpers/nifti2.js';
import { toBigEndian, toBigEndian2 } from '../helpers/big-endian.js';

const FILES = [
  [path.join(SHARED, 'ixi-brain', 'IXI012_t1.nii.gz'), 'image'],
  [path.join(SHARED, 'hippocampus', 'hippocampus_001_image.nii.gz'), 'image'],
  [path.join(SHARED, 'hippocampus', 'hippocampus_001_labels.nii.gz'), 'labels'],
] as const;
let tmp: string;

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'lw-nifti2-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

/** The NIfTI-2 version of a .nii.gz file, written to `name` (gzip-compressed when it ends .gz). */
async function asNifti2(file: string, name: string, edit = (b: Buffer) => b): Promise<string> {
  const bytes = edit(toNifti2(gunzipSync(await fs.readFile(file))));
  const out = path.join(tmp, name);
  await fs.writeFile(out, name.endsWith('.gz') ? gzipSync(bytes) : bytes);
  return out;
}

describe('NIfTI-2', () => {
  it('reads the same volume as the NIfTI-1 file it was written from (.nii and .nii.gz; header only too)', async () => {
    for (const [file, kind] of FILES) {
      const one = await readVolume(file, kind);
      for (const ext of ['.nii', '.nii.gz']) {
        const two = await readVolume(await asNifti2(file, path.basename(file).replace('.nii.gz', `-v2${ext}`)), kind);
        expect(two.dims).toEqual(one.dims);
        expect(two.data.constructor).toBe(one.data.constructor);
        expect(Buffer.compare(Buffer.from(two.data.buffer), Buffer.from(one.data.buffer))).toBe(0);
        // NIfTI-1 holds its matrices in single precision, NIfTI-2 in double: equal to float precision.
        for (const key of ['spacing', 'origin', 'direction'] as const)
          two[key].forEach((x, i) => expect(x, `${path.basename(file)} ${key}`).toBeCloseTo(one[key][i], 5));
      }
      const { grid } = await readVolumeHeader(await asNifti2(file, 'header-only.nii.gz'), kind);
      expect(grid.dims).toEqual(one.dims);
      grid.origin.forEach((x, i) => expect(x).toBeCloseTo(one.origin[i], 5));
    }
  });

  it('reads big-endian files, NIfTI-2 and NIfTI-1, voxel for voxel as the little-endian ones', async () => {
    for (const [file, kind] of FILES) {
      const one = await readVolume(file, kind);
      const raw = gunzipSync(await fs.readFile(file));
      const base = path.basename(file, '.nii.gz');
      const targets = [
        [`${base}-be2.nii.gz`, toBigEndian2(toNifti2(raw))],
        [`${base}-be1.nii`, toBigEndian(raw)],
      ] as const;
      for (const [name, bytes] of targets) {
        // Written big-endian indeed: sizeof_hdr reads back only in that byte order.
        expect([348, 540], name).toContain(bytes.readInt32BE(0));
        const out = path.join(tmp, name);
        await fs.writeFile(out, name.endsWith('.gz') ? gzipSync(bytes) : bytes);
        const be = await readVolume(out, kind);
        expect(be.data.constructor, name).toBe(one.data.constructor);
        expect(be.dims, name).toEqual(one.dims);
        for (const key of ['spacing', 'origin', 'direction'] as const)
          be[key].forEach((x, i) => expect(x, `${name} ${key}`).toBeCloseTo(one[key][i], 5));
        expect(
          Buffer.from(be.data.buffer, be.data.byteOffset, be.data.byteLength).equals(
            Buffer.from(one.data.buffer, one.data.byteOffset, one.data.byteLength),
          ),
          name,
        ).toBe(true);
        expect((await readVolumeHeader(out, kind)).grid.dims, name).toEqual(one.dims);
      }
    }
  });

  it('reads an sform of any code (SPM, MNI), else the qform, and a negative voxel size as its magnitude', async () => {
    const [file] = FILES[1];
    const one = await readVolume(file, 'image');
    for (const [name, edit] of [
      ['sform-aligned.nii', (b: Buffer) => withFields2(b, { sformCode: 2 })],
      ['sform-mni.nii', (b: Buffer) => withFields2(b, { sformCode: 4, qformCode: 4 })],
      ['qform-only.nii', (b: Buffer) => withFields2(b, { sformCode: 0 })],
      ['negative-pixdim.nii', (b: Buffer) => withFields2(b, { pixdim3: -1 })],
    ] as const) {
      const two = await readVolume(await asNifti2(file, name, edit), 'image');
      expect(two.dims, name).toEqual(one.dims);
      for (const key of ['spacing', 'origin', 'direction'] as const)
        two[key].forEach((x, i) => expect(x, `${name} ${key}`).toBeCloseTo(one[key][i], 5));
    }
  });

  it('refuses, in one line naming the file and the reason, what it cannot read', async () => {
    const [file] = FILES[1];
    const cases: [string, (b: Buffer) => Buffer, RegExp][] = [
      ['no-orientation.nii', (b) => withFields2(b, { qformCode: 0, sformCode: 0 }), /NIfTI-2.*neither a qform nor an sform/],
      ['four-d.nii', (b) => withFields2(b, { dim0: 4, dim4: 2 }), /4D volume/],
      ['bad-magic.nii', (b) => (b.write('n+1\0', 4, 'latin1'), b), /magic is not NIfTI-2/],
      ['huge-dims.nii', (b) => withFields2(b, { dim1: 2 ** 40 }), /too large/],
      ['negative-offset.nii', (b) => withFields2(b, { voxOffset: -8 }), /vox_offset/],
    ];
    for (const [name, edit, reason] of cases) {
      const target = await asNifti2(file, name, edit);
      const err = await readVolume(target, 'image').then(
        () => undefined,
        (e: Error) => e,
      );
      expect(err, name).toBeInstanceOf(Error);
      expect(err!.message, name).toMatch(reason);
      expect(err!.message, name).toContain(name);
      expect(err!.message.split('\n'), name).toHaveLength(1);
    }
  });
});
