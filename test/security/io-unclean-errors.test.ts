/**
 * Issue 7, item 8: inputs that used to surface raw JavaScript errors or ITK's exception numbers
 * (with ITK's text on stdout) get one line naming the file, and nothing on stdout.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import os from 'node:os';
import path from 'node:path';
import { readVolume } from '../../core/volume/io.js';
import type { VolumeKind } from '../../core/volume/io.js';
import { LabelWarpError } from '../../core/util/errors.js';
import { rawNifti, SHARED } from '../helpers/synthetic.js';
import { withFields } from '../helpers/nifti-fields.js';
import { segmentWithCli } from '../helpers/segment-cli.js';

const HIPPO = path.join(SHARED, 'hippocampus');
/** Raw JavaScript or ITK failure text that must never reach the user. */
const RAW = /DataView|Start offset|BigInt|toFixed|Cannot read|undefined|\(\d+\)|RangeError|TypeError/;

let tmp: string;
let imageRaw: Buffer;

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'lw-io-errors-'));
  imageRaw = gunzipSync(await fs.readFile(path.join(HIPPO, 'hippocampus_001_image.nii.gz')));
});

async function write(name: string, bytes: Uint8Array): Promise<string> {
  const file = path.join(tmp, name);
  await fs.writeFile(file, bytes);
  return file;
}

async function expectClean(file: string, kind: VolumeKind, reason: RegExp): Promise<void> {
  const err = await readVolume(file, kind).then(
    () => new Error('accepted'),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(LabelWarpError);
  const msg = (err as Error).message;
  expect(msg.startsWith(`${file}: `)).toBe(true);
  expect(msg).not.toContain('\n');
  expect(msg.slice(file.length)).not.toMatch(RAW);
  expect(msg).toMatch(reason);
}

const float32 = () =>
  rawNifti({ dims: [4, 3, 2], datatype: 16, data: Float32Array.from({ length: 24 }, (_, i) => i), sformCode: 1, gzip: false });

describe('one-line reasons instead of raw errors', () => {
  it('bitpix −32 (was "Invalid DataView length")', async () => {
    await expectClean(await write('bitpix-neg.nii', withFields(float32(), { bitpix: -32 })), 'image', /bitpix -32 contradicts datatype 16/);
  });

  it('vox_offset −352 (was "Start offset −352")', async () => {
    await expectClean(
      await write('offset-neg.nii', withFields(float32(), { voxOffset: -352 })),
      'image',
      /vox_offset -352 points inside the header/,
    );
  });

  for (const kind of ['image', 'labels'] as const) {
    it(`int64 ${kind} (was "Cannot mix BigInt" / "non-integer value 0")`, async () => {
      const data = BigInt64Array.from({ length: 24 }, (_, i) => BigInt(i % 3));
      const file = await write(`int64-${kind}.nii`, rawNifti({ dims: [4, 3, 2], datatype: 1024, data, sformCode: 1, gzip: false }));
      await expectClean(file, kind, /holds int64 voxels \(datatype 1024\)/);
    });
  }

  it('NaN in the qform offset (was "reading \'toFixed\'")', async () => {
    const file = await write('nan-origin.nii', withFields(imageRaw, { qformCode: 1, sformCode: 0, qoffsetX: NaN }));
    await expectClean(file, 'image', /the qform \(quaternion and offset\) holds NaN or infinite values/);
  });

  it('NaN in the sform', async () => {
    const file = await write('nan-sform.nii', withFields(imageRaw, { sformCode: 1, srowX3: NaN }));
    await expectClean(file, 'image', /the sform \(srow_x\/y\/z\) holds NaN or infinite values/);
  });

  it('a file ITK fails on: no exception number, and ITK prints nothing on stdout', async () => {
    const mha = await write('short.mha', Buffer.from('NDims = 3\nDimSize = 10 10 10\nElementType = MET_UCHAR\nElementDataFile = LOCAL\n'));
    await expectClean(mha, 'image', /could not be read as an image \(ITK's reader failed on its contents\)/);
    const r = await segmentWithCli(
      {
        templateImage: path.join(HIPPO, 'hippocampus_001_image.nii.gz'),
        templateLabels: path.join(HIPPO, 'hippocampus_001_labels.nii.gz'),
        scan: mha,
      },
      path.join(tmp, 'out'),
    );
    expect(r.code).not.toBe(0);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(mha);
    expect(lines[0]).not.toMatch(RAW);
  });
});
