/**
 * The NIfTI volumes built without ITK (core/volume/nifti-volume.ts) equal what ITK's reader
 * returns, value for value: grid (exactly, not approximately) and voxels, on the bundled scans and
 * on constructed files covering each path (qform alone, qform + SCANNER_ANAT sform, oblique and
 * reflected, units in metres and microns); files it leaves to ITK still read as before.
 */
import { describe, expect, it, beforeAll } from 'vitest';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readImageNode } from '@itk-wasm/image-io';
import type { Image } from 'itk-wasm';
import { checkNifti } from '../../core/volume/nifti-check.js';
import { niftiScalarVolume } from '../../core/volume/nifti-volume.js';
import { readVolume } from '../../core/volume/io.js';
import { writeNifti } from '../../core/volume/nifti-writer.js';
import { createVolume } from '../../core/volume/volume.js';
import type { Mat3 } from '../../core/volume/volume.js';
import { ROOT } from '../../core/cli/sample-data.js';

let tmp: string;
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'lw-nifti-volume-'));
});

async function itkImage(file: string): Promise<Image> {
  return (await readImageNode(file)) as Image;
}

/** The volume built from the checked bytes equals ITK's image exactly; returns whether one was built. */
async function expectSameAsItk(file: string): Promise<boolean> {
  const check = await checkNifti(file, 'image');
  const own = niftiScalarVolume(check.header, check.bytes!);
  if (!own) return false;
  const itk = await itkImage(file);
  const d = Array.from(itk.direction as ArrayLike<number>);
  expect(own.dims).toEqual(itk.size.slice(0, 3));
  expect(own.spacing).toEqual(itk.spacing.slice(0, 3));
  expect(own.origin).toEqual(itk.origin.slice(0, 3));
  expect(own.direction).toEqual(d.slice(0, 9));
  expect(own.data.constructor).toBe(itk.data!.constructor);
  const theirs = itk.data as Float32Array;
  expect(Buffer.from(own.data.buffer).equals(Buffer.from(theirs.buffer, theirs.byteOffset, own.data.byteLength)), 'voxels').toBe(true);
  return true;
}

/** Patches header fields of an uncompressed NIfTI-1 file. */
async function patch(file: string, out: string, edit: (view: DataView) => void): Promise<string> {
  const bytes = await fs.readFile(file);
  edit(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  await fs.writeFile(out, bytes);
  return out;
}

const c = Math.cos(0.3);
const s = Math.sin(0.3);
const CASES: [string, Mat3, typeof Float32Array | typeof Uint8Array | typeof Int16Array][] = [
  ['RAS storage, float32', [-1, 0, 0, 0, -1, 0, 0, 0, 1], Float32Array],
  ['oblique, uint8', [c, -s, 0, s, c, 0, 0, 0, 1], Uint8Array],
  ['oblique and reflected, int16', [c, 0, s, 0, -1, 0, s, 0, -c], Int16Array],
];

describe('NIfTI volumes read without ITK', () => {
  it('equal ITK on the bundled scans and label maps', async () => {
    const dir = path.join(ROOT, 'resources', 'sample', 'ixi');
    const files = (await fs.readdir(dir)).filter((f) => f.endsWith('.nii.gz'));
    expect(files.length).toBeGreaterThan(0);
    // An sform alone; the T1 scans store scaled voxels (scl_slope), returned as float32.
    for (const f of files) expect(await expectSameAsItk(path.join(dir, f)), f).toBe(true);
  }, 60_000);

  for (const [name, direction, Type] of CASES)
    it(`equal ITK on every path: ${name}`, async () => {
      const data = new Type(6 * 5 * 4).map((_, i) => (Type === Float32Array ? Math.sin(i) * 100 : i % 23));
      const grid = (scale: number) => ({
        dims: [6, 5, 4] as [number, number, number],
        spacing: [0.9 * scale, 1.1 * scale, 1.7 * scale] as [number, number, number],
        origin: [12.25 * scale, -30.5 * scale, 7.125 * scale] as [number, number, number],
        direction,
      });
      const vol = createVolume(grid(1), data);
      const both = path.join(tmp, `${name}.nii`);
      await writeNifti(both, vol);
      // qform and a SCANNER_ANAT sform (as ITK and LabelWarp write them): the sform is used.
      expect(await expectSameAsItk(both), 'qform and sform').toBe(true);
      await writeNifti(`${both}.gz`, vol);
      expect(await expectSameAsItk(`${both}.gz`), 'gzip').toBe(true);
      // The qform alone.
      const qform = await patch(both, path.join(tmp, `${name}-qform.nii`), (v) => v.setInt16(254, 0, true));
      expect(await expectSameAsItk(qform), 'qform alone').toBe(true);
      // The sform alone (with ITK's code for an aligned space, as the bundled label maps have).
      const sform = await patch(both, path.join(tmp, `${name}-sform.nii`), (v) => {
        v.setInt16(252, 0, true);
        v.setInt16(254, 2, true);
      });
      expect(await expectSameAsItk(sform), 'sform alone').toBe(true);
      // Scaled voxels (scl_slope, scl_inter): float32 for integer storage, as ITK gives them.
      const scaled = await patch(both, path.join(tmp, `${name}-scaled.nii`), (v) => {
        v.setFloat32(112, 0.37, true);
        v.setFloat32(116, -12.5, true);
      });
      expect(await expectSameAsItk(scaled), 'scaled').toBe(true);
      // Spacing and origin in metres and in microns (xyzt_units), scaled to millimetres.
      for (const [units, scale] of [
        [1, 1e-3],
        [3, 1],
      ]) {
        const stored = path.join(tmp, `${name}-stored${units}.nii`);
        await writeNifti(stored, createVolume(grid(scale), data));
        const inUnits = await patch(stored, path.join(tmp, `${name}-units${units}.nii`), (v) => v.setUint8(123, units | 8));
        expect(await expectSameAsItk(inUnits), `units ${units}`).toBe(true);
      }
    });

  it('leaves to ITK what needs its judgement, which then reads as before', async () => {
    const vol = createVolume(
      { dims: [4, 3, 2], spacing: [1, 1, 1], origin: [0, 0, 0], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] },
      new Int16Array(24).map((_, i) => i),
    );
    const file = path.join(tmp, 'plain.nii');
    await writeNifti(file, vol);
    const cases: [string, (v: DataView) => void][] = [
      ['an ALIGNED_ANAT sform beside the qform', (v) => v.setInt16(254, 2, true)],
      [
        'a skewed sform alone',
        (v) => {
          v.setInt16(252, 0, true);
          v.setFloat32(284, 0.3, true);
        },
      ],
      ['a vector intent', (v) => v.setInt16(68, 1007, true)],
    ];
    for (const [name, edit] of cases) {
      const f = await patch(file, path.join(tmp, `${name}.nii`), edit);
      const check = await checkNifti(f, 'image');
      expect(niftiScalarVolume(check.header, check.bytes!), name).toBeUndefined();
    }
    // Those read through ITK as before.
    expect((await readVolume(path.join(tmp, 'a vector intent.nii'))).dims).toEqual([4, 3, 2]);
    // Scaling that overflows float32 is refused, as it was after ITK's read.
    const huge = await patch(file, path.join(tmp, 'huge slope.nii'), (v) => v.setFloat32(112, 1e38, true));
    await expect(readVolume(huge)).rejects.toThrow(/NaN or infinite/);
  });

  it('gives label maps as Int32Array through readVolume, with the same values as the file', async () => {
    const file = path.join(ROOT, 'resources', 'sample', 'ixi', 'IXI012_labels.nii.gz');
    const labels = await readVolume(file, 'labels');
    const itk = await itkImage(file);
    expect(labels.data).toBeInstanceOf(Int32Array);
    expect(labels.data.length).toBe(itk.data!.length);
    let same = true;
    for (let i = 0; i < labels.data.length; i++) if (labels.data[i] !== (itk.data as Uint8Array)[i]) same = false;
    expect(same).toBe(true);
  }, 60_000);
});
