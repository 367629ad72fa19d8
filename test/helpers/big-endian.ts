/**
 * Big-endian copies of little-endian NIfTI files for tests and the fuzz corpus: every header field
 * and every voxel byte-swapped, from the field layouts of nifti1.h and nifti2.h (no code shared
 * with core/).
 */
import { NIFTI1 } from './nifti-fields.js';

/** The same NIfTI-1 file written big-endian (header fields and voxels). */
export function toBigEndian(raw: Buffer): Buffer {
  const out = Buffer.from(raw);
  const le = raw;
  out.writeInt32BE(le.readInt32LE(0), 0);
  for (let i = 0; i < 8; i++) out.writeInt16BE(le.readInt16LE(40 + 2 * i), 40 + 2 * i);
  for (const off of [68, 70, 72, 74]) out.writeInt16BE(le.readInt16LE(off), off);
  for (let off = 56; off < 68; off += 4) out.writeFloatBE(le.readFloatLE(off), off);
  for (let off = 76; off < 120; off += 4) out.writeFloatBE(le.readFloatLE(off), off);
  out.writeInt16BE(le.readInt16LE(120), 120);
  for (let off = 124; off < 148; off += 4) out.writeFloatBE(le.readFloatLE(off), off);
  for (const off of [252, 254]) out.writeInt16BE(le.readInt16LE(off), off);
  for (let off = 256; off < 328; off += 4) out.writeFloatBE(le.readFloatLE(off), off);
  const bytes = le.readInt16LE(NIFTI1.bitpix.offset) / 8;
  const start = Math.round(le.readFloatLE(NIFTI1.voxOffset.offset));
  if (bytes > 1) for (let o = start; o + bytes <= out.length; o += bytes) out.subarray(o, o + bytes).reverse();
  return out;
}

/** Byte offsets of the NIfTI-2 header's fields by size (nifti2.h); the rest are characters. */
const NIFTI2_WIDTHS: [start: number, end: number, size: number][] = [
  [0, 4, 4], // sizeof_hdr
  [12, 16, 2], // datatype, bitpix
  [16, 240, 8], // dim, intent_p1..3, pixdim, vox_offset, scl_slope/inter, cal_max/min, slice_duration, toffset, slice_start/end
  [344, 352, 4], // qform_code, sform_code
  [352, 496, 8], // quatern_b..d, qoffset_x..z, srow_x..z
  [496, 508, 4], // slice_code, xyzt_units, intent_code
];

/** The same single-file NIfTI-2 written big-endian (header fields and voxels). */
export function toBigEndian2(raw: Buffer): Buffer {
  const out = Buffer.from(raw);
  for (const [start, end, size] of NIFTI2_WIDTHS) for (let o = start; o < end; o += size) out.subarray(o, o + size).reverse();
  const bytes = raw.readInt16LE(14) / 8;
  const start = Number(raw.readBigInt64LE(168));
  if (bytes > 1) for (let o = start; o + bytes <= out.length; o += bytes) out.subarray(o, o + bytes).reverse();
  return out;
}
