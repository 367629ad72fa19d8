/**
 * Byte-level editing of an uncompressed single-file NIfTI-1 (little-endian), for tests that build
 * corrupted or unusual headers. Offsets are those of the NIfTI-1 standard.
 */
export const NIFTI1 = {
  sizeofHdr: { offset: 0, type: 'i32' },
  dim0: { offset: 40, type: 'i16' },
  dim1: { offset: 42, type: 'i16' },
  dim2: { offset: 44, type: 'i16' },
  dim3: { offset: 46, type: 'i16' },
  dim4: { offset: 48, type: 'i16' },
  datatype: { offset: 70, type: 'i16' },
  bitpix: { offset: 72, type: 'i16' },
  qfac: { offset: 76, type: 'f32' },
  pixdim1: { offset: 80, type: 'f32' },
  pixdim2: { offset: 84, type: 'f32' },
  pixdim3: { offset: 88, type: 'f32' },
  voxOffset: { offset: 108, type: 'f32' },
  sclSlope: { offset: 112, type: 'f32' },
  sclInter: { offset: 116, type: 'f32' },
  xyztUnits: { offset: 123, type: 'u8' },
  qformCode: { offset: 252, type: 'i16' },
  sformCode: { offset: 254, type: 'i16' },
  quaternB: { offset: 256, type: 'f32' },
  quaternC: { offset: 260, type: 'f32' },
  quaternD: { offset: 264, type: 'f32' },
  qoffsetX: { offset: 268, type: 'f32' },
  qoffsetY: { offset: 272, type: 'f32' },
  qoffsetZ: { offset: 276, type: 'f32' },
  srowX0: { offset: 280, type: 'f32' },
  srowX3: { offset: 292, type: 'f32' },
  srowY1: { offset: 300, type: 'f32' },
  srowZ2: { offset: 320, type: 'f32' },
  srowZ3: { offset: 324, type: 'f32' },
  magic3: { offset: 347, type: 'u8' },
} as const;

export type Nifti1Field = keyof typeof NIFTI1;

/** A header field's place: byte offset and stored type (little-endian). */
export type FieldLayout = { readonly offset: number; readonly type: 'u8' | 'i16' | 'i32' | 'i64' | 'f32' | 'f64' };

/** A copy of `raw` (uncompressed, little-endian) with the given fields of `table` (NIFTI1, NIFTI2) set. */
export function withFieldsIn<F extends string>(table: Record<F, FieldLayout>, raw: Uint8Array, fields: Partial<Record<F, number>>): Buffer {
  const out = Buffer.from(raw);
  for (const [name, value] of Object.entries(fields) as [F, number][]) {
    const { offset, type } = table[name];
    if (type === 'i32') out.writeInt32LE(value, offset);
    else if (type === 'i16') out.writeInt16LE(value, offset);
    else if (type === 'i64') out.writeBigInt64LE(BigInt(value), offset);
    else if (type === 'u8') out.writeUInt8(value, offset);
    else if (type === 'f64') out.writeDoubleLE(value, offset);
    else out.writeFloatLE(value, offset);
  }
  return out;
}

/** A copy of `raw` (uncompressed NIfTI-1, little-endian) with the given header fields set. */
export function withFields(raw: Uint8Array, fields: Partial<Record<Nifti1Field, number>>): Buffer {
  return withFieldsIn(NIFTI1, raw, fields);
}

/** Reads a header field of an uncompressed little-endian NIfTI-1. */
export function fieldOf(raw: Uint8Array, name: Nifti1Field): number {
  const b = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  const { offset, type } = NIFTI1[name];
  if (type === 'i32') return b.readInt32LE(offset);
  if (type === 'i16') return b.readInt16LE(offset);
  if (type === 'u8') return b.readUInt8(offset);
  return b.readFloatLE(offset);
}
