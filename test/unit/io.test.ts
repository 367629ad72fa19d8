import { describe, expect, it, beforeAll } from 'vitest';
import { promises as fs } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';
import os from 'node:os';
import path from 'node:path';
import { readVolume, writeVolume } from '../../core/volume/io.js';
import { sameGrid, worldToIndex, indexToWorld } from '../../core/volume/volume.js';
import type { Volume } from '../../core/volume/volume.js';
import { writeAtomically } from '../../core/util/atomic.js';
import { LabelWarpError } from '../../core/util/errors.js';
import { rawNifti, SHARED } from '../helpers/synthetic.js';

let tmp: string;
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'lw-io-'));
});

function expectSameGeometry(a: Volume, b: Volume) {
  expect(b.dims).toEqual(a.dims);
  for (let i = 0; i < 3; i++) {
    expect(b.spacing[i]).toBeCloseTo(a.spacing[i], 5);
    expect(b.origin[i]).toBeCloseTo(a.origin[i], 3);
  }
  for (let i = 0; i < 9; i++) expect(b.direction[i]).toBeCloseTo(a.direction[i], 5);
}

const FIRST_SUBJECTS: [string, string, string][] = [
  ['ixi-brain', 'IXI012_t1.nii.gz', 'IXI012_labels.nii.gz'],
  ['aligned-brain-pair', 'subject-a_t1.nii.gz', 'subject-a_labels.nii.gz'],
  ['hippocampus', 'hippocampus_001_image.nii.gz', 'hippocampus_001_labels.nii.gz'],
  ['abdomen-ct-example', 'ct.nii.gz', 'ct_labels.nii.gz'],
];

describe('NIfTI round trip of every shared dataset (first subject)', () => {
  for (const [folder, image, labels] of FIRST_SUBJECTS) {
    it(`${folder}: image and labels keep voxels and world geometry`, async () => {
      const img = await readVolume(path.join(SHARED, folder, image), 'image');
      const lab = await readVolume(path.join(SHARED, folder, labels), 'labels');
      // Image and label map describe the same world grid, whatever their qform/sform codes.
      expect(sameGrid(img, lab)).toBe(true);
      for (const [vol, name, kind] of [
        [img, 'img.nii.gz', 'image'],
        [lab, 'lab.nii.gz', 'labels'],
      ] as const) {
        const file = path.join(tmp, `${folder}-${name}`);
        await writeVolume(file, vol);
        const back = await readVolume(file, kind);
        expectSameGeometry(vol, back);
        expect(back.data.length).toBe(vol.data.length);
        let diff = 0;
        for (let i = 0; i < vol.data.length; i++) if (back.data[i] !== vol.data[i]) diff++;
        expect(diff).toBe(0);
      }
    });
  }

  it('IXI: image (qform 1, sform 1) and labels (qform 0, sform 2) land on the LPS world grid the header describes', async () => {
    const img = await readVolume(path.join(SHARED, 'ixi-brain', 'IXI012_t1.nii.gz'));
    // Header sform (RAS): x = 2k − 88.16; y = −2i + 118.23; z = 2j − 135.27  →  LPS: (−x, −y, z)
    const w = indexToWorld(img, [10, 20, 30]);
    expect(w[0]).toBeCloseTo(-(2 * 30 - 88.16096), 2);
    expect(w[1]).toBeCloseTo(-(-2 * 10 + 118.23227), 2);
    expect(w[2]).toBeCloseTo(2 * 20 - 135.26816, 2);
    const back = worldToIndex(img, w);
    back.forEach((v, i) => expect(v).toBeCloseTo([10, 20, 30][i], 6));
  });

  it('applies the scaling slope of the IXI images (uint8 stored, slope 13.895)', async () => {
    const file = path.join(SHARED, 'ixi-brain', 'IXI012_t1.nii.gz');
    const raw = gunzipSync(await fs.readFile(file));
    const slope = raw.readFloatLE(112);
    const off = raw.readFloatLE(108);
    const img = await readVolume(file);
    for (const v of [0, 123456, 700000, 1000000]) expect(img.data[v]).toBeCloseTo(raw[off + v] * slope, 3);
  });

  it('round-trips NRRD and MHA too', async () => {
    const img = await readVolume(path.join(SHARED, 'hippocampus', 'hippocampus_001_image.nii.gz'));
    for (const ext of ['nrrd', 'mha']) {
      const file = path.join(tmp, `h.${ext}`);
      await writeVolume(file, img);
      const back = await readVolume(file);
      expectSameGeometry(img, back);
      expect(Array.from(back.data)).toEqual(Array.from(img.data));
    }
  });
});

describe('NIfTI data types, scaling and orientation codes', () => {
  const dims: [number, number, number] = [4, 3, 2];
  const values = Array.from({ length: 24 }, (_, i) => i * 3 - 5);
  const cases: [string, number, ArrayBufferView & ArrayLike<number>][] = [
    ['uint8', 2, Uint8Array.from(values.map((v) => v + 5))],
    ['int16', 4, Int16Array.from(values)],
    ['int32', 8, Int32Array.from(values.map((v) => v * 1000))],
    ['float32', 16, Float32Array.from(values.map((v) => v / 7))],
    ['float64', 64, Float64Array.from(values.map((v) => v / 7))],
  ];
  for (const [name, code, data] of cases) {
    it(`reads and writes ${name}`, async () => {
      const file = path.join(tmp, `${name}.nii.gz`);
      await fs.writeFile(file, rawNifti({ dims, datatype: code, data, sformCode: 1 }));
      const v = await readVolume(file);
      expect(Array.from(v.data)).toEqual(Array.from(data).map((x) => (name === 'float32' ? Math.fround(x) : x)));
      const out = path.join(tmp, `${name}-out.nii`);
      await writeVolume(out, v);
      const back = await readVolume(out);
      expect(back.data.constructor).toBe(v.data.constructor);
      expect(Array.from(back.data)).toEqual(Array.from(v.data));
    });
  }

  it('applies slope and intercept', async () => {
    const file = path.join(tmp, 'scaled.nii.gz');
    await fs.writeFile(file, rawNifti({ dims, datatype: 4, data: Int16Array.from(values), slope: 0.5, inter: 10, sformCode: 1 }));
    const v = await readVolume(file);
    expect(Array.from(v.data)).toEqual(values.map((x) => x * 0.5 + 10));
  });

  // The IXI orientation: RAS = [[0,0,2],[-2,0,0],[0,2,0]] with offset (−88, 118, −135).
  const quatern: [number, number, number] = [0.5, -0.5, -0.5];
  const offset: [number, number, number] = [-88, 118, -135];
  const srow: [number[], number[], number[]] = [
    [0, 0, 2, -88],
    [-2, 0, 0, 118],
    [0, 2, 0, -135],
  ];
  const variants: [string, Partial<Parameters<typeof rawNifti>[0]>][] = [
    ['qform only (code 1)', { qformCode: 1, quatern, qoffset: offset, qfac: -1 }],
    ['sform only (code 2)', { sformCode: 2, srow }],
    ['sform only (code 1)', { sformCode: 1, srow }],
    ['both (codes 1/1)', { qformCode: 1, quatern, qoffset: offset, qfac: -1, sformCode: 1, srow }],
  ];
  for (const [name, extra] of variants) {
    it(`${name} gives the same LPS geometry`, async () => {
      const file = path.join(tmp, `orient-${name.replace(/\W+/g, '_')}.nii.gz`);
      await fs.writeFile(file, rawNifti({ dims, datatype: 16, data: new Float32Array(24), pixdim: [2, 2, 2], ...extra }));
      const v = await readVolume(file);
      expect(v.spacing).toEqual([2, 2, 2]);
      [88, -118, -135].forEach((o, i) => expect(v.origin[i]).toBeCloseTo(o, 4));
      [0, 0, -1, 1, 0, 0, 0, 1, 0].forEach((d, i) => expect(v.direction[i]).toBeCloseTo(d, 5));
    });
  }
});

describe('bad input gives a clear error naming the file', () => {
  async function expectError(file: string, pattern: RegExp, kind: 'image' | 'labels' = 'image') {
    const err = await readVolume(file, kind).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(LabelWarpError);
    const msg = (err as Error).message;
    expect(msg).toContain(file);
    expect(msg).toMatch(pattern);
    expect(msg.split('\n')).toHaveLength(1);
  }

  it('missing file', () => expectError(path.join(tmp, 'nope.nii.gz'), /file not found/));

  it('truncated .nii.gz (compressed stream cut short)', async () => {
    const bytes = await fs.readFile(path.join(SHARED, 'hippocampus', 'hippocampus_001_image.nii.gz'));
    const file = path.join(tmp, 'cut.nii.gz');
    await fs.writeFile(file, bytes.subarray(0, bytes.length >> 1));
    await expectError(file, /corrupt or truncated gzip/);
  });

  it('truncated data inside a valid gzip stream', async () => {
    const raw = gunzipSync(await fs.readFile(path.join(SHARED, 'hippocampus', 'hippocampus_001_image.nii.gz')));
    const file = path.join(tmp, 'short.nii.gz');
    await fs.writeFile(file, gzipSync(raw.subarray(0, 20000)));
    await expectError(file, /truncated: the header promises \d+ bytes/);
  });

  it('corrupt bytes and non-NIfTI files', async () => {
    const a = path.join(tmp, 'random.nii.gz');
    await fs.writeFile(a, Buffer.from('this is not an image at all, just text'.repeat(20)));
    await expectError(a, /not gzip-compressed/);
    const b = path.join(tmp, 'random2.nii.gz');
    await fs.writeFile(b, gzipSync(Buffer.alloc(2000, 7)));
    await expectError(b, /not a NIfTI file/);
    const c = path.join(tmp, 'notes.nii');
    await fs.writeFile(c, 'hello');
    await expectError(c, /too short for a NIfTI header/);
    const d = path.join(tmp, 'notes.txt');
    await fs.writeFile(d, 'hello');
    await expectError(d, /unsupported file type/);
  });

  it('a 4D volume where 3D is expected', async () => {
    const file = path.join(tmp, 'fourd.nii.gz');
    await fs.writeFile(
      file,
      rawNifti({ dims: [4, 3, 2], ndim: 4, extraDims: [3], datatype: 16, data: new Float32Array(72), sformCode: 1 }),
    );
    await expectError(file, /4D volume \(4×3×2×3\); a 3D image is expected/);
  });

  it('NaNs in an image', async () => {
    const data = new Float32Array(24);
    data[5] = NaN;
    data[7] = Infinity;
    const file = path.join(tmp, 'nan.nii.gz');
    await fs.writeFile(file, rawNifti({ dims: [4, 3, 2], datatype: 16, data, sformCode: 1 }));
    await expectError(file, /contains 2 NaN or infinite voxel values/);
  });

  it('a label map with non-integer or negative values', async () => {
    const file = path.join(tmp, 'badlabels.nii.gz');
    await fs.writeFile(
      file,
      rawNifti({ dims: [4, 3, 2], datatype: 16, data: Float32Array.from({ length: 24 }, (_, i) => i / 2), sformCode: 1 }),
    );
    await expectError(file, /not a label map: voxel 1 holds the non-integer value 0.5/, 'labels');
    const neg = path.join(tmp, 'neglabels.nii.gz');
    await fs.writeFile(
      neg,
      rawNifti({ dims: [4, 3, 2], datatype: 4, data: Int16Array.from({ length: 24 }, (_, i) => (i === 3 ? -1 : 0)), sformCode: 1 }),
    );
    await expectError(neg, /negative value -1/, 'labels');
  });
});

describe('atomic writes', () => {
  it('a failed write leaves the previous file intact and no temporary file', async () => {
    const dir = await fs.mkdtemp(path.join(tmp, 'atomic-'));
    const file = path.join(dir, 'labels.nii.gz');
    await fs.writeFile(file, 'previous result');
    await expect(
      writeAtomically(file, async (t) => {
        await fs.writeFile(t, 'half');
        throw new Error('disk full');
      }),
    ).rejects.toThrow('disk full');
    expect(await fs.readFile(file, 'utf8')).toBe('previous result');
    expect(await fs.readdir(dir)).toEqual(['labels.nii.gz']);
  });

  it('writeVolume replaces the file in one step', async () => {
    const dir = await fs.mkdtemp(path.join(tmp, 'atomic2-'));
    const file = path.join(dir, 'x.nii.gz');
    const vol: Volume = {
      dims: [2, 2, 2],
      spacing: [1, 1, 1],
      origin: [0, 0, 0],
      direction: [1, 0, 0, 0, 1, 0, 0, 0, 1],
      data: new Float32Array(8).fill(3),
      components: 1,
    };
    await writeVolume(file, vol);
    expect(await fs.readdir(dir)).toEqual(['x.nii.gz']);
    expect(Array.from((await readVolume(file)).data)).toEqual(Array(8).fill(3));
  });
});
