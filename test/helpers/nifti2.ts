/**
 * NIfTI-2 for tests and the fuzz corpus: a little-endian NIfTI-1 file rewritten as the same volume in a
 * NIfTI-2 file (540-byte header, 64-bit dims and offsets, double-precision fields, nifti2.h
 * offsets), and field editing on such files. Written from the standard, sharing no code with core/.
 */
import { fieldOf, withFieldsIn } from './nifti-fields.js';

/** Offsets and types of the NIfTI-2 fields the corpus edits. */
export const NIFTI2 = {
  sizeofHdr: { offset: 0, type: 'i32' },
  datatype: { offset: 12, type: 'i16' },
  bitpix: { offset: 14, type: 'i16' },
  dim0: { offset: 16, type: 'i64' },
  dim1: { offset: 24, type: 'i64' },
  dim2: { offset: 32, type: 'i64' },
  dim3: { offset: 40, type: 'i64' },
  dim4: { offset: 48, type: 'i64' },
  qfac: { offset: 104, type: 'f64' },
  pixdim1: { offset: 112, type: 'f64' },
  pixdim2: { offset: 120, type: 'f64' },
  pixdim3: { offset: 128, type: 'f64' },
  voxOffset: { offset: 168, type: 'i64' },
  sclSlope: { offset: 176, type: 'f64' },
  sclInter: { offset: 184, type: 'f64' },
  qformCode: { offset: 344, type: 'i32' },
  sformCode: { offset: 348, type: 'i32' },
  quaternB: { offset: 352, type: 'f64' },
  quaternC: { offset: 360, type: 'f64' },
  qoffsetX: { offset: 376, type: 'f64' },
  qoffsetZ: { offset: 392, type: 'f64' },
  srowX3: { offset: 424, type: 'f64' },
  srowY1: { offset: 440, type: 'f64' },
  srowZ2: { offset: 480, type: 'f64' },
  xyztUnits: { offset: 500, type: 'i32' },
  intentCode: { offset: 504, type: 'i32' },
} as const;

export type Nifti2Field = keyof typeof NIFTI2;

/** The magic of a single-file NIfTI-2: "n+2\0" and the 4-byte tail that catches text-mode transfers. */
const MAGIC = [0x6e, 0x2b, 0x32, 0x00, 0x0d, 0x0a, 0x1a, 0x0a];
/** Header, then the 4-byte extension flag (no extensions), then the voxels. */
export const NIFTI2_VOX_OFFSET = 544;

/** The same volume as a single-file NIfTI-2 (from an uncompressed little-endian NIfTI-1). */
export function toNifti2(raw: Buffer): Buffer {
  const voxOffset1 = Math.round(fieldOf(raw, 'voxOffset'));
  const out = Buffer.alloc(NIFTI2_VOX_OFFSET + raw.length - voxOffset1);
  out.writeInt32LE(540, 0);
  Buffer.from(MAGIC).copy(out, 4);
  out.writeInt16LE(raw.readInt16LE(70), 12); // datatype
  out.writeInt16LE(raw.readInt16LE(72), 14); // bitpix
  for (let i = 0; i < 8; i++) out.writeBigInt64LE(BigInt(raw.readInt16LE(40 + 2 * i)), 16 + 8 * i);
  for (let i = 0; i < 3; i++) out.writeDoubleLE(raw.readFloatLE(56 + 4 * i), 80 + 8 * i); // intent_p1..3
  for (let i = 0; i < 8; i++) out.writeDoubleLE(raw.readFloatLE(76 + 4 * i), 104 + 8 * i); // pixdim
  out.writeBigInt64LE(BigInt(NIFTI2_VOX_OFFSET), 168);
  out.writeDoubleLE(raw.readFloatLE(112), 176); // scl_slope
  out.writeDoubleLE(raw.readFloatLE(116), 184); // scl_inter
  out.writeDoubleLE(raw.readFloatLE(124), 192); // cal_max
  out.writeDoubleLE(raw.readFloatLE(128), 200); // cal_min
  raw.copy(out, 240, 148, 228); // descrip
  out.writeInt32LE(raw.readInt16LE(252), 344); // qform_code
  out.writeInt32LE(raw.readInt16LE(254), 348); // sform_code
  for (let i = 0; i < 6; i++) out.writeDoubleLE(raw.readFloatLE(256 + 4 * i), 352 + 8 * i); // quatern, qoffset
  for (let i = 0; i < 12; i++) out.writeDoubleLE(raw.readFloatLE(280 + 4 * i), 400 + 8 * i); // srow_x, y, z
  out.writeInt32LE(raw.readUInt8(123), 500); // xyzt_units
  out.writeInt32LE(raw.readInt16LE(68), 504); // intent_code
  raw.copy(out, NIFTI2_VOX_OFFSET, voxOffset1);
  return out;
}

/** A copy of a little-endian NIfTI-2 file with the given header fields set. */
export function withFields2(raw: Uint8Array, fields: Partial<Record<Nifti2Field, number>>): Buffer {
  return withFieldsIn(NIFTI2, raw, fields);
}
