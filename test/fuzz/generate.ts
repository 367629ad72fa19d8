/**
 * A seeded, deterministic corpus of corrupted and unusual single-file NIfTI-1 and NIfTI-2 inputs, built from a
 * real hippocampus scan and label map (../shared/data) and two small synthetic volumes (sform-only
 * and qform-only, oblique). Every variant says which base it came from, what was done to it and
 * whether it is read as an image or a label map.
 */
import { gzipSync } from 'node:zlib';
import { rawNifti } from '../helpers/synthetic.js';
import { withFields } from '../helpers/nifti-fields.js';
import type { Nifti1Field } from '../helpers/nifti-fields.js';
import { mulberry32 } from '../../core/util/random.js';
import { toNifti2, withFields2 } from '../helpers/nifti2.js';
import { toBigEndian, toBigEndian2 } from '../helpers/big-endian.js';
import type { Nifti2Field } from '../helpers/nifti2.js';

export interface FuzzCase {
  /** Unique file name (ends .nii or .nii.gz; label maps contain "_labels"). */
  name: string;
  category: string;
  description: string;
  kind: 'image' | 'labels';
  bytes: Uint8Array;
}

export interface FuzzBases {
  /** Uncompressed .nii bytes of a real scan and its label map. */
  image: Buffer;
  labels: Buffer;
}

/** The IXI orientation (see test/unit/io.test.ts), as sform rows and as a quaternion. */
const SROW: [number[], number[], number[]] = [
  [0, 0, 2, -88],
  [-2, 0, 0, 118],
  [0, 2, 0, -135],
];

function syntheticBases(): Record<'sform' | 'qform', Buffer> {
  const dims: [number, number, number] = [16, 12, 10];
  const values = Int16Array.from({ length: 16 * 12 * 10 }, (_, i) => ((i * 37) % 200) - 50);
  return {
    sform: rawNifti({ dims, datatype: 4, data: values, slope: 0.5, inter: 10, sformCode: 2, srow: SROW, pixdim: [2, 2, 2], gzip: false }),
    qform: rawNifti({
      dims,
      datatype: 16,
      data: Float32Array.from(values, (v) => v / 3),
      qformCode: 1,
      quatern: [0.5, -0.5, -0.5],
      qoffset: [-88, 118, -135],
      qfac: -1,
      pixdim: [2, 2, 2],
      gzip: false,
    }),
  };
}

/** Fields both header layouts have (test/helpers/nifti-fields.ts, nifti2.ts). */
type CommonField = Nifti1Field & Nifti2Field;
/** A header edit the corpus makes to NIfTI-1 and NIfTI-2 files alike: what it does, and the fields it sets. */
type HeaderEdit = [string, Partial<Record<CommonField, number>>];

/** Dimensions. */
const DIM_EDITS: HeaderEdit[] = [
  ['dim0 = 0', { dim0: 0 }],
  ['dim0 = 2', { dim0: 2 }],
  ['dim0 = 8', { dim0: 8 }],
  ['dim0 = -3', { dim0: -3 }],
  ['dim0 = 4, dim4 = 2', { dim0: 4, dim4: 2 }],
  ['dim0 = 4, dim4 = 1', { dim0: 4, dim4: 1 }],
  ['dim1 = 0', { dim1: 0 }],
  ['dim2 = -1', { dim2: -1 }],
  ['dim3 = 32767', { dim3: 32767 }],
  ['dims 32767³', { dim1: 32767, dim2: 32767, dim3: 32767 }],
  ['dim1 + 1', { dim1: 36 }],
  ['dim3 - 1 (data longer than claimed)', { dim3: 34 }],
];

/** Geometry fields: NaN/Inf, codes, units, voxel sizes, quaternions. */
const GEOMETRY_EDITS: HeaderEdit[] = [
  ['qoffset_x NaN', { qoffsetX: NaN }],
  ['qoffset_z +Inf', { qoffsetZ: Infinity }],
  ['quatern_b NaN', { quaternB: NaN }],
  ['quatern_c 2', { quaternC: 2 }],
  ['srow_x[3] NaN', { srowX3: NaN }],
  ['srow_z[2] -Inf', { srowZ2: -Infinity }],
  ['srow_y[1] 0 (singular sform)', { srowY1: 0 }],
  ['pixdim1 NaN', { pixdim1: NaN }],
  ['pixdim2 0', { pixdim2: 0 }],
  ['pixdim3 -1', { pixdim3: -1 }],
  ['pixdim1 +Inf', { pixdim1: Infinity }],
  ['qfac 0', { qfac: 0 }],
  ['qfac NaN', { qfac: NaN }],
  ['qform_code 0, sform_code 0', { qformCode: 0, sformCode: 0 }],
  ['qform_code -1', { qformCode: -1 }],
  ['sform_code 9', { sformCode: 9 }],
  ['qform_code 0', { qformCode: 0 }],
  ['sform_code 0', { sformCode: 0 }],
  ['units metres', { xyztUnits: 9 }],
  ['units micrometres', { xyztUnits: 11 }],
  ['units code 5', { xyztUnits: 5 }],
  ['units unknown (0)', { xyztUnits: 0 }],
  ['scl_slope NaN', { sclSlope: NaN }],
  ['scl_slope +Inf', { sclSlope: Infinity }],
  ['scl_slope 0', { sclSlope: 0 }],
  ['scl_slope -2', { sclSlope: -2 }],
  ['scl_inter +Inf', { sclInter: Infinity }],
  ['scl_slope 1e38', { sclSlope: 1e38 }],
];

export function generateCorpus(bases: FuzzBases, seed = 20261122): FuzzCase[] {
  const rnd = mulberry32(seed);
  const synth = syntheticBases();
  const sources: Record<string, { raw: Buffer; kind: 'image' | 'labels' }> = {
    scan: { raw: bases.image, kind: 'image' },
    labels: { raw: bases.labels, kind: 'labels' },
    sform: { raw: synth.sform, kind: 'image' },
    qform: { raw: synth.qform, kind: 'image' },
  };
  const cases: FuzzCase[] = [];
  const add = (category: string, description: string, base: string, bytes: Uint8Array, gz = true, kind = sources[base].kind) => {
    const n = String(cases.length).padStart(3, '0');
    const slug = `${category}-${base}`.replace(/[^a-z0-9-]+/gi, '_');
    const name = `${n}-${slug}${kind === 'labels' ? '_labels' : ''}.nii${gz ? '.gz' : ''}`;
    cases.push({ name, category, description: `${base}: ${description}`, kind, bytes: gz ? gzipSync(bytes) : bytes });
  };
  const fields = (base: string, f: Partial<Record<Nifti1Field, number>>) => withFields(sources[base].raw, f);

  // Valid controls: every base as .nii and .nii.gz.
  for (const base of Object.keys(sources)) {
    add('valid', 'unchanged', base, sources[base].raw, true);
    add('valid', 'unchanged, uncompressed', base, sources[base].raw, false);
  }

  // Truncations of the uncompressed file and of the gzip stream.
  for (const base of ['scan', 'sform']) {
    const raw = sources[base].raw;
    for (const at of [0, 1, 100, 347, 348, 351, 352, 353, raw.length >> 1, raw.length - 1]) {
      add('truncated', `cut to ${at} bytes`, base, raw.subarray(0, at), false);
    }
    const gz = gzipSync(raw);
    for (const at of [1, 2, 10, 18, 40, gz.length >> 2, gz.length >> 1, gz.length - 9, gz.length - 4, gz.length - 1]) {
      add('gzip-truncated', `gzip stream cut to ${at} of ${gz.length} bytes`, base, gz.subarray(0, at), false, sources[base].kind);
      cases[cases.length - 1].name = cases[cases.length - 1].name.replace(/\.nii$/, '.nii.gz');
    }
  }

  // Random bit flips in the header (any of its 352 bytes).
  for (let n = 0; n < 70; n++) {
    const base = ['scan', 'labels', 'sform', 'qform'][n % 4];
    const out = Buffer.from(sources[base].raw);
    const flips = 1 + Math.floor(rnd() * 3);
    const where: string[] = [];
    for (let f = 0; f < flips; f++) {
      const byte = Math.floor(rnd() * 352);
      const bit = Math.floor(rnd() * 8);
      out[byte] ^= 1 << bit;
      where.push(`${byte}.${bit}`);
    }
    add('header-bitflip', `bits flipped at ${where.join(', ')}`, base, out, n % 3 !== 0);
  }

  // Bit flips in the voxel data: still valid files, whose voxels must be read as stored.
  for (let n = 0; n < 12; n++) {
    const base = ['scan', 'labels', 'sform', 'qform'][n % 4];
    const out = Buffer.from(sources[base].raw);
    const byte = 352 + Math.floor(rnd() * (out.length - 352));
    out[byte] ^= 1 << Math.floor(rnd() * 8);
    add('data-bitflip', `data bit flipped in byte ${byte}`, base, out, n % 2 === 0);
  }

  // Dimensions.
  for (const base of ['scan', 'labels']) for (const [d, f] of DIM_EDITS) add('dims', d, base, fields(base, f));

  // Datatypes and bitpix.
  const types: [number, number][] = [
    [0, 8],
    [1, 1],
    [3, 8],
    [2, 16],
    [4, 8],
    [16, 16],
    [16, -32],
    [32, 64],
    [64, 64],
    [128, 24],
    [256, 8],
    [512, 16],
    [768, 32],
    [1024, 64],
    [1280, 64],
    [1536, 128],
    [1792, 128],
    [2048, 256],
    [2304, 32],
    [9999, 8],
    [-1, 8],
  ];
  for (const base of ['scan', 'labels']) {
    for (const [datatype, bitpix] of types)
      add('datatype', `datatype ${datatype}, bitpix ${bitpix}`, base, fields(base, { datatype, bitpix }));
  }
  for (const bitpix of [0, 8, 16, 64, -32, 33])
    add('bitpix', `bitpix ${bitpix} with datatype 16 (float32)`, 'qform', fields('qform', { bitpix }));

  // vox_offset.
  for (const voxOffset of [0, 1, 344, 348, 351, 352.5, 353, 368, -352, 1e9, NaN, Infinity]) {
    add('vox_offset', `vox_offset ${voxOffset}`, 'scan', fields('scan', { voxOffset }), false);
    add('vox_offset', `vox_offset ${voxOffset}`, 'sform', fields('sform', { voxOffset }), true);
  }

  // Header size and magic.
  for (const size of [0, 347, 349, 540, 0x5c010000]) add('sizeof_hdr', `sizeof_hdr ${size}`, 'scan', fields('scan', { sizeofHdr: size }));
  const magics = ['n+1\0', 'ni1\0', 'n+2\0', 'n+1X', 'N+1\0', '\0\0\0\0', 'n+1 ', 'nx1\0'];
  for (const m of magics) {
    for (const base of ['scan', 'labels']) {
      const out = Buffer.from(sources[base].raw);
      out.write(m, 344, 'latin1');
      add('magic', `magic ${JSON.stringify(m)}`, base, out);
    }
  }

  // Geometry fields: NaN/Inf, codes, units, voxel sizes, quaternions.
  for (const base of ['scan', 'sform', 'qform']) for (const [d, f] of GEOMETRY_EDITS) add('geometry', d, base, fields(base, f));

  // Gzip container corruption.
  for (const base of ['scan', 'labels']) {
    const raw = sources[base].raw;
    const gz = gzipSync(raw);
    const flip = (at: number) => {
      const out = Buffer.from(gz);
      out[at] ^= 0x55;
      return out;
    };
    const variants: [string, Uint8Array][] = [
      ['gzip magic byte flipped', flip(0)],
      ['gzip method byte flipped', flip(2)],
      ['deflate data byte flipped', flip(gz.length >> 1)],
      ['CRC flipped', flip(gz.length - 6)],
      ['ISIZE flipped', flip(gz.length - 2)],
      ['garbage appended', Buffer.concat([gz, Buffer.from('trailing garbage')])],
      ['second member appended', Buffer.concat([gz, gzipSync(Buffer.alloc(1000))])],
      ['header in its own member', Buffer.concat([gzipSync(raw.subarray(0, 352)), gzipSync(raw.subarray(352))])],
      ['uncompressed bytes named .gz', raw],
    ];
    for (const [d, bytes] of variants) {
      add('gzip', d, base, bytes, false);
      cases[cases.length - 1].name = cases[cases.length - 1].name.replace(/\.nii$/, '.nii.gz');
    }
  }

  // Size claims and bombs (kept to tens of MB so the corpus runs quickly).
  const zeros = gzipSync(Buffer.alloc(16 * 1024 * 1024));
  const header = sources.scan.raw.subarray(0, 352);
  const bomb = (head: Buffer, blocks: number) => Buffer.concat([gzipSync(head), ...Array<Buffer>(blocks).fill(zeros)]);
  const claims: [string, Buffer][] = [
    ['small claim, 64 MiB of zeros', bomb(header, 4)],
    ['512³ claim, 64 MiB of zeros', bomb(withFields(header, { dim1: 512, dim2: 512, dim3: 512 }), 4)],
    ['513×512×512 claim (over the voxel limit)', bomb(withFields(header, { dim1: 513, dim2: 512, dim3: 512 }), 1)],
    ['20000³ claim', bomb(withFields(header, { dim1: 20000, dim2: 20000, dim3: 20000 }), 1)],
    ['256³ float64 claim, no data', bomb(withFields(header, { dim1: 256, dim2: 256, dim3: 256, datatype: 64, bitpix: 64 }), 0)],
  ];
  for (const [d, bytes] of claims) {
    add('size-claim', d, 'scan', bytes, false);
    cases[cases.length - 1].name = cases[cases.length - 1].name.replace(/\.nii$/, '.nii.gz');
  }

  // Label maps with values a label map cannot hold exactly.
  const labelData: [string, number, ArrayBufferView][] = [
    ['uint32 3,000,000,000', 768, Uint32Array.from({ length: 24 }, (_, i) => (i === 5 ? 3e9 : i % 3))],
    ['uint32 2,147,483,647', 768, Uint32Array.from({ length: 24 }, (_, i) => (i === 5 ? 2147483647 : i % 3))],
    ['float32 NaN', 16, Float32Array.from({ length: 24 }, (_, i) => (i === 5 ? NaN : i % 3))],
    ['float32 +Inf', 16, Float32Array.from({ length: 24 }, (_, i) => (i === 5 ? Infinity : i % 3))],
    ['float32 -Inf', 16, Float32Array.from({ length: 24 }, (_, i) => (i === 5 ? -Infinity : i % 3))],
    ['float32 2.5', 16, Float32Array.from({ length: 24 }, (_, i) => (i === 5 ? 2.5 : i % 3))],
    ['float32 1e10', 16, Float32Array.from({ length: 24 }, (_, i) => (i === 5 ? 1e10 : i % 3))],
    ['int16 -1', 4, Int16Array.from({ length: 24 }, (_, i) => (i === 5 ? -1 : i % 3))],
    ['int64 labels', 1024, BigInt64Array.from({ length: 24 }, (_, i) => BigInt(i % 3))],
    ['float64 whole numbers', 64, Float64Array.from({ length: 24 }, (_, i) => i % 3)],
    ['int8 labels', 256, Int8Array.from({ length: 24 }, (_, i) => i % 3)],
    ['uint16 65535', 512, Uint16Array.from({ length: 24 }, (_, i) => (i === 5 ? 65535 : i % 3))],
  ];
  for (const [d, datatype, data] of labelData) {
    add('labels', d, 'labels', rawNifti({ dims: [4, 3, 2], datatype, data, sformCode: 1, gzip: false }), true, 'labels');
  }
  // Images with non-finite voxels or 64-bit integers.
  const imageData: [string, number, ArrayBufferView][] = [
    ['float32 NaN voxel', 16, Float32Array.from({ length: 24 }, (_, i) => (i === 7 ? NaN : i))],
    ['float64 -Inf voxel', 64, Float64Array.from({ length: 24 }, (_, i) => (i === 7 ? -Infinity : i))],
    ['int64 image', 1024, BigInt64Array.from({ length: 24 }, (_, i) => BigInt(i))],
    ['uint32 image 3e9', 768, Uint32Array.from({ length: 24 }, (_, i) => (i === 7 ? 3e9 : i))],
  ];
  for (const [d, datatype, data] of imageData) {
    add('image-values', d, 'scan', rawNifti({ dims: [4, 3, 2], datatype, data, sformCode: 1, gzip: false }), true, 'image');
  }

  // Byte-swapped (big-endian) headers: valid big-endian files and a half-swapped one.
  for (const base of ['scan', 'sform']) {
    add('endian', 'valid big-endian file', base, toBigEndian(sources[base].raw));
    const half = toBigEndian(sources[base].raw);
    half.writeInt16LE(half.readInt16BE(70), 70);
    add('endian', 'big-endian with a little-endian datatype', base, half);
  }
  nifti2Cases(sources, add, rnd);
  return cases;
}

type AddCase = (category: string, description: string, base: string, bytes: Uint8Array, gz?: boolean) => void;

/** NIfTI-2: the bases rewritten as NIfTI-2 (valid), and the same kinds of damage in its layout. */
function nifti2Cases(sources: Record<string, { raw: Buffer }>, add: AddCase, rnd: () => number): void {
  const v2: Record<string, Buffer> = Object.fromEntries(Object.entries(sources).map(([base, s]) => [base, toNifti2(s.raw)]));
  for (const base of Object.keys(v2)) {
    add('nifti2', 'NIfTI-2, unchanged', base, v2[base], true);
    add('nifti2', 'NIfTI-2, unchanged, uncompressed', base, v2[base], false);
    add('nifti2', 'NIfTI-2, big-endian', base, toBigEndian2(v2[base]), true);
  }
  for (const at of [4, 348, 352, 539, 540, 543, 544, 545, v2.scan.length >> 1, v2.scan.length - 1])
    add('nifti2-truncated', `NIfTI-2 cut to ${at} bytes`, 'scan', v2.scan.subarray(0, at), false);
  for (let n = 0; n < 40; n++) {
    const base = ['scan', 'labels', 'sform', 'qform'][n % 4];
    const out = Buffer.from(v2[base]);
    const where: string[] = [];
    for (let f = 0, flips = 1 + Math.floor(rnd() * 3); f < flips; f++) {
      const byte = Math.floor(rnd() * 540);
      const bit = Math.floor(rnd() * 8);
      out[byte] ^= 1 << bit;
      where.push(`${byte}.${bit}`);
    }
    add('nifti2-bitflip', `NIfTI-2 header bits flipped at ${where.join(', ')}`, base, out, n % 3 !== 0);
  }
  // The edits NIfTI-1 gets, and those only NIfTI-2's layout allows (64-bit dims and offsets, doubles).
  const edits: [string, Partial<Record<Nifti2Field, number>>][] = [
    ...DIM_EDITS,
    ...GEOMETRY_EDITS,
    ['dim1 = 2^40', { dim1: 2 ** 40 }],
    ['dim3 = 2^53', { dim3: 2 ** 53 }],
    ['dims 2^21 each', { dim1: 2 ** 21, dim2: 2 ** 21, dim3: 2 ** 21 }],
    ['datatype 16, bitpix 8', { datatype: 16 }],
    ['datatype 64, bitpix 64', { datatype: 64, bitpix: 64 }],
    ['datatype 1536, bitpix 128', { datatype: 1536, bitpix: 128 }],
    ['datatype -1', { datatype: -1 }],
    ['vox_offset 0', { voxOffset: 0 }],
    ['vox_offset 540', { voxOffset: 540 }],
    ['vox_offset 543', { voxOffset: 543 }],
    ['vox_offset 548', { voxOffset: 548 }],
    ['vox_offset 2^40', { voxOffset: 2 ** 40 }],
    ['vox_offset -544', { voxOffset: -544 }],
    ['scl_slope 1e300', { sclSlope: 1e300 }],
    ['intent 1007 (vector)', { intentCode: 1007 }],
  ];
  for (const base of ['scan', 'sform', 'qform'])
    for (const [d, f] of edits) add('nifti2-fields', `NIfTI-2 ${d}`, base, withFields2(v2[base], f));
  const magics = ['n+1\0\r\n\x1a\n', 'n+2\0\n\r\x1a\n', 'ni2\0\r\n\x1a\n', 'n+2\0\0\0\0\0', '\0\0\0\0\0\0\0\0'];
  for (const m of magics) {
    const out = Buffer.from(v2.scan);
    out.write(m, 4, 'latin1');
    add('nifti2-magic', `NIfTI-2 magic ${JSON.stringify(m)}`, 'scan', out);
  }
  // A NIfTI-2 header claiming 348 bytes (NIfTI-1 headers claiming 540 are among the sizeof_hdr cases).
  add('nifti2-magic', 'NIfTI-2 with sizeof_hdr 348', 'scan', withFields2(v2.scan, { sizeofHdr: 348 }));
}
