/**
 * Issue 7, items 5 and 9: inputs that used to give a silently wrong volume (labels wrapped or
 * zeroed, data shifted, Analyze fallback, metres, bitpix against datatype) are refused with one
 * line naming the file; a file without qform/sform is read but the guess is said plainly.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';
import os from 'node:os';
import path from 'node:path';
import { readVolume, readVolumeWithWarnings } from '../../core/volume/io.js';
import type { VolumeKind } from '../../core/volume/io.js';
import { LabelWarpError } from '../../core/util/errors.js';
import { rawNifti, SHARED } from '../helpers/synthetic.js';
import { withFields } from '../helpers/nifti-fields.js';
import { segmentWithCli } from '../helpers/segment-cli.js';
import { hostlessApp } from '../helpers/app.js';

const HIPPO = path.join(SHARED, 'hippocampus');
let tmp: string;
let imageRaw: Buffer;
let labelsRaw: Buffer;

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'lw-io-silent-'));
  imageRaw = gunzipSync(await fs.readFile(path.join(HIPPO, 'hippocampus_001_image.nii.gz')));
  labelsRaw = gunzipSync(await fs.readFile(path.join(HIPPO, 'hippocampus_001_labels.nii.gz')));
});

async function write(name: string, bytes: Uint8Array): Promise<string> {
  const file = path.join(tmp, name);
  await fs.writeFile(file, name.endsWith('.gz') ? gzipSync(bytes) : bytes);
  return file;
}

/** The read is refused with a LabelWarpError of one line that names the file and matches `reason`. */
async function expectRefused(file: string, kind: VolumeKind, reason: RegExp): Promise<void> {
  const err = await readVolume(file, kind).then(
    (v) => new Error(`accepted (${v.dims.join('×')})`),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(LabelWarpError);
  const msg = (err as Error).message;
  expect(msg.startsWith(`${file}: `)).toBe(true);
  expect(msg).not.toContain('\n');
  expect(msg).toMatch(reason);
}

describe('silent wrong results are refused', () => {
  it('a uint32 label of 3,000,000,000 is refused, not wrapped to a negative value', async () => {
    const data = new Uint32Array(24);
    data[5] = 3_000_000_000;
    data[6] = 7;
    const file = await write('big-label_labels.nii.gz', rawNifti({ dims: [4, 3, 2], datatype: 768, data, sformCode: 1, gzip: false }));
    await expectRefused(file, 'labels', /label 3000000000; labels above 2147483647 are not supported/);
  });

  it('a uint32 label that fits is kept exactly', async () => {
    const data = new Uint32Array(24);
    data[5] = 2_000_000_000;
    const file = await write('fits_labels.nii.gz', rawNifti({ dims: [4, 3, 2], datatype: 768, data, sformCode: 1, gzip: false }));
    expect((await readVolume(file, 'labels')).data[5]).toBe(2_000_000_000);
  });

  for (const [name, value] of [
    ['NaN', NaN],
    ['+Inf', Infinity],
    ['-Inf', -Infinity],
  ] as const) {
    it(`${name} in a float label map is refused, not turned into label 0`, async () => {
      const data = new Float32Array(24).fill(1);
      data[9] = value;
      const file = await write(
        `nonfinite-${name}_labels.nii.gz`,
        rawNifti({ dims: [4, 3, 2], datatype: 16, data, sformCode: 1, gzip: false }),
      );
      await expectRefused(file, 'labels', /contains 1 NaN or infinite voxel values/);
    });
  }

  for (const offset of [348, 344, 0]) {
    it(`vox_offset ${offset} (inside the 352-byte header of a .nii) is refused, not read shifted`, async () => {
      const file = await write(`offset-${offset}.nii`, withFields(imageRaw, { voxOffset: offset }));
      await expectRefused(file, 'image', new RegExp(`vox_offset ${offset} points inside the header`));
    });
  }

  it('an incomplete magic ("n+1" without its zero byte) is refused, not read as Analyze', async () => {
    const file = await write('magic.nii.gz', withFields(labelsRaw, { magic3: 0x58 }));
    await expectRefused(file, 'labels', /the magic is not NIfTI-1 \(expected "n\+1" or "ni1" and a zero byte\)/);
  });

  it('bitpix that contradicts the datatype is refused', async () => {
    const file = await write('bitpix.nii.gz', withFields(imageRaw, { bitpix: 16 }));
    await expectRefused(file, 'image', /bitpix 16 contradicts datatype 2 \(uint8, 8 bits\)/);
  });

  it('units in metres that would make a scan tens of metres wide are refused', async () => {
    const file = await write('metres.nii.gz', withFields(imageRaw, { xyztUnits: 1 }));
    await expectRefused(file, 'image', /xyzt_units says metres, which makes the volume 51\.0 m wide/);
  });

  it('units in metres with metre-sized voxels are converted exactly to millimetres', async () => {
    const file = await write(
      'metres-ok.nii.gz',
      withFields(imageRaw, { xyztUnits: 1, pixdim1: 0.001, pixdim2: 0.001, pixdim3: 0.001, qformCode: 0, sformCode: 0 }),
    );
    const v = await readVolume(file, 'image');
    v.spacing.forEach((s) => expect(s).toBeCloseTo(1, 6));
  });
});

describe('a guessed geometry is said plainly', () => {
  it('the app marks a scan without qform/sform so the scan list can say so', async () => {
    const image = await write('noform-app_image.nii.gz', withFields(imageRaw, { qformCode: 0, sformCode: 0 }));
    // The folders this test reads from (the app reads nothing else: electron/security/roots.ts).
    const app = await hostlessApp(path.join(tmp, 'state'), [
      [tmp, true],
      [SHARED, false],
    ]);
    try {
      await app.init();
      const { added, errors } = await app.services.scans.add({ paths: [image, path.join(HIPPO, 'hippocampus_003_image.nii.gz')] });
      expect(errors).toEqual([]);
      expect(added.map((s) => s.info.geometryGuessed ?? false)).toEqual([true, false]);
    } finally {
      app.dispose();
    }
  });

  it('no qform and no sform: the reader warns, and segment puts it in metrics.json', async () => {
    const image = await write('noform_image.nii.gz', withFields(imageRaw, { qformCode: 0, sformCode: 0 }));
    const labels = await write('noform_labels.nii.gz', withFields(labelsRaw, { qformCode: 0, sformCode: 0 }));
    const read = await readVolumeWithWarnings(image, 'image');
    expect(read.geometryGuessed).toBe(true);
    expect(read.warnings).toEqual([
      `${image} has no qform or sform: its position and orientation are unknown, so the identity orientation at origin 0 was assumed`,
    ]);

    const out = path.join(tmp, 'noform-out');
    const templateImage = path.join(HIPPO, 'hippocampus_003_image.nii.gz');
    const templateLabels = path.join(HIPPO, 'hippocampus_003_labels.nii.gz');
    const r = await segmentWithCli({ templateImage, templateLabels, scan: image, scanLabels: labels }, out);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`warning: ${image} has no qform or sform`);
    expect(r.metrics?.geometryGuessed).toEqual([image, labels]);
    expect(r.metrics?.warnings).toContain(read.warnings[0]);
  });
});
