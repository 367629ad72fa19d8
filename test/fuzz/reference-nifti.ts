/**
 * A small, independent NIfTI-1 and NIfTI-2 decoder used only as the fuzz oracle: it follows the
 * standards (nifti1.h, nifti2.h) directly and shares no code with core/. It decides whether a file
 * is a consistent single-file NIfTI 3D volume LabelWarp may accept, and if so decodes its voxels (scaling
 * applied) and its LPS geometry candidates, so that anything the real reader accepts can be
 * compared with what the bytes actually say.
 */
import { gunzipSync } from 'node:zlib';

export interface ReferenceGeometry {
  origin: number[];
  /** Row-major 3×3, columns = index axes (LPS). */
  direction: number[];
}

export interface ReferenceVolume {
  dims: number[];
  spacing: number[];
  /** Geometries ITK may legitimately pick (qform and/or sform; identity when neither is set). */
  geometries: ReferenceGeometry[];
  values: Float64Array;
}

export type ReferenceResult = { ok: true; volume: ReferenceVolume } | { ok: false; reason: string };

const TYPES: Record<number, { bits: number; read: (v: DataView, o: number, le: boolean) => number; integer: boolean }> = {
  2: { bits: 8, read: (v, o) => v.getUint8(o), integer: true },
  256: { bits: 8, read: (v, o) => v.getInt8(o), integer: true },
  4: { bits: 16, read: (v, o, le) => v.getInt16(o, le), integer: true },
  512: { bits: 16, read: (v, o, le) => v.getUint16(o, le), integer: true },
  8: { bits: 32, read: (v, o, le) => v.getInt32(o, le), integer: true },
  768: { bits: 32, read: (v, o, le) => v.getUint32(o, le), integer: true },
  16: { bits: 32, read: (v, o, le) => v.getFloat32(o, le), integer: false },
  64: { bits: 64, read: (v, o, le) => v.getFloat64(o, le), integer: false },
};

const fail = (reason: string): ReferenceResult => ({ ok: false, reason });

/** Where a version's header keeps the fields the oracle reads. */
interface Layout {
  version: 1 | 2;
  /** Smallest vox_offset of a single file (header, then the 4-byte extension flag). */
  minOffset: number;
  dim: number[];
  datatype: number;
  bitpix: number;
  voxOffset: number;
  pixdim: number[];
  unitCode: number;
  qformCode: number;
  sformCode: number;
  /** quatern_b, c, d, qoffset_x, y, z. */
  quatern: number[];
  srow: number[];
  slope: number;
  inter: number;
}

/** nifti1.h: 348-byte header, "n+1\0", 16-bit dims, single-precision fields. */
function layout1(v: DataView, le: boolean): Layout {
  const f = (o: number) => v.getFloat32(o, le);
  return {
    version: 1,
    minOffset: 352,
    dim: Array.from({ length: 8 }, (_, i) => v.getInt16(40 + 2 * i, le)),
    datatype: v.getInt16(70, le),
    bitpix: v.getInt16(72, le),
    voxOffset: f(108),
    pixdim: Array.from({ length: 8 }, (_, i) => f(76 + 4 * i)),
    unitCode: v.getUint8(123) & 7,
    qformCode: v.getInt16(252, le),
    sformCode: v.getInt16(254, le),
    quatern: Array.from({ length: 6 }, (_, i) => f(256 + 4 * i)),
    srow: Array.from({ length: 12 }, (_, i) => f(280 + 4 * i)),
    slope: f(112),
    inter: f(116),
  };
}

/** nifti2.h: 540-byte header, "n+2\0\r\n\x1a\n", 64-bit dims and offset, double-precision fields. */
function layout2(v: DataView, le: boolean): Layout {
  const d = (o: number) => v.getFloat64(o, le);
  const i64 = (o: number) => Number(v.getBigInt64(o, le));
  return {
    version: 2,
    minOffset: 544,
    dim: Array.from({ length: 8 }, (_, i) => i64(16 + 8 * i)),
    datatype: v.getInt16(12, le),
    bitpix: v.getInt16(14, le),
    voxOffset: i64(168),
    pixdim: Array.from({ length: 8 }, (_, i) => d(104 + 8 * i)),
    unitCode: v.getInt32(500, le) & 7,
    qformCode: v.getInt32(344, le),
    sformCode: v.getInt32(348, le),
    quatern: Array.from({ length: 6 }, (_, i) => d(352 + 8 * i)),
    srow: Array.from({ length: 12 }, (_, i) => d(400 + 8 * i)),
    slope: d(176),
    inter: d(184),
  };
}

/** The header's layout, or why the bytes are no single-file NIfTI-1 or NIfTI-2. */
function headerLayout(bytes: Uint8Array): { h: Layout; le: boolean } | string {
  if (bytes.length < 352) return 'shorter than a header';
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const text = (from: number, to: number) => String.fromCharCode(...bytes.subarray(from, to));
  for (const le of [true, false]) {
    if (v.getInt32(0, le) === 348) return text(344, 348) === 'n+1\0' ? { h: layout1(v, le), le } : 'magic is not "n+1\\0"';
    if (v.getInt32(0, le) === 540) {
      if (bytes.length < 544) return 'shorter than a NIfTI-2 header';
      return text(4, 12) === 'n+2\0\r\n\x1a\n' ? { h: layout2(v, le), le } : 'magic is not NIfTI-2';
    }
  }
  return 'sizeof_hdr is neither 348 nor 540';
}

export function referenceDecode(fileBytes: Uint8Array, gzName: boolean, kind: 'image' | 'labels'): ReferenceResult {
  let bytes = fileBytes;
  if (gzName) {
    try {
      bytes = gunzipSync(fileBytes, { maxOutputLength: 256 * 1024 * 1024 });
    } catch {
      return fail('not a complete gzip stream (or larger than 256 MiB)');
    }
  }
  const found = headerLayout(bytes);
  if (typeof found === 'string') return fail(found);
  const { h, le } = found;
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dim = h.dim;
  if (dim[0] < 3 || dim[0] > 7) return fail('not 3 to 7 dimensions');
  for (let d = 1; d <= dim[0]; d++) if (dim[d] < 1) return fail('a dimension below 1');
  for (let d = 4; d <= dim[0]; d++) if (dim[d] !== 1) return fail('not a 3D volume');
  const type = TYPES[h.datatype];
  if (!type || h.bitpix !== type.bits) return fail('datatype unsupported or bitpix disagrees');
  const voxOffset = h.voxOffset;
  if (!Number.isInteger(voxOffset) || voxOffset < h.minOffset) return fail(`vox_offset not a whole number ≥ ${h.minOffset}`);
  const n = dim[1] * dim[2] * dim[3];
  if (n > 512 ** 3) return fail('over the voxel limit');
  const size = type.bits / 8;
  if (bytes.length < voxOffset + n * size) return fail('data shorter than the header claims');
  const pixdim = h.pixdim;
  const unit = ({ 0: 1, 2: 1, 1: 1000, 3: 0.001 } as Record<number, number | undefined>)[h.unitCode];
  if (unit === undefined) return fail('unknown spatial unit');
  const spacing = [1, 2, 3].map((d) => Math.abs(pixdim[d]) * unit);
  if (spacing.some((s) => !(s > 0) || !Number.isFinite(s))) return fail('invalid voxel size');

  const geometries: ReferenceGeometry[] = [];
  const { qformCode, sformCode } = h;
  if (qformCode < 0 || qformCode > 5 || sformCode < 0 || sformCode > 5) return fail('unknown transform code');
  if (qformCode > 0) {
    const q = h.quatern;
    if (q.some((x) => !Number.isFinite(x))) return fail('qform not finite');
    geometries.push(qformGeometry(q, pixdim[0], unit));
  }
  if (sformCode > 0) {
    const s = h.srow;
    if (s.some((x) => !Number.isFinite(x))) return fail('sform not finite');
    const g = sformGeometry(s, unit);
    if (!g) return fail('sform singular');
    geometries.push(g);
  }
  if (geometries.length === 0) geometries.push({ origin: [0, 0, 0], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] });

  const { slope, inter } = h;
  const scaled = Number.isFinite(slope) && slope !== 0 && !(slope === 1 && inter === 0);
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const raw = type.read(v, voxOffset + i * size, le);
    const x = scaled ? raw * slope + inter : raw;
    if (!Number.isFinite(x)) return fail('a voxel is NaN or infinite');
    // A label within 1e-6 of a whole number is that number (an intercept of 1e-44 changes nothing).
    if (kind === 'labels' && (x < 0 || x > 2 ** 31 - 1 || Math.abs(x - Math.round(x)) > 1e-6))
      return fail('a label is not a whole number in [0, 2³¹)');
    values[i] = x;
  }
  return { ok: true, volume: { dims: dim.slice(1, 4), spacing, geometries, values } };
}

/** nifti1.h method 2, converted from RAS to LPS. */
function qformGeometry(q: number[], qfac: number, unit: number): ReferenceGeometry {
  let [b, c, d] = q;
  let a = 1 - (b * b + c * c + d * d);
  if (a < 1e-7) {
    const s = 1 / Math.sqrt(b * b + c * c + d * d);
    b *= s;
    c *= s;
    d *= s;
    a = 0;
  } else a = Math.sqrt(a);
  const r = [
    a * a + b * b - c * c - d * d,
    2 * (b * c - a * d),
    2 * (b * d + a * c),
    2 * (b * c + a * d),
    a * a + c * c - b * b - d * d,
    2 * (c * d - a * b),
    2 * (b * d - a * c),
    2 * (c * d + a * b),
    a * a + d * d - c * c - b * b,
  ];
  const f = qfac < 0 ? -1 : 1;
  const ras = [r[0], r[1], r[2] * f, r[3], r[4], r[5] * f, r[6], r[7], r[8] * f];
  return { origin: [-q[3] * unit, -q[4] * unit, q[5] * unit], direction: rasToLps(ras) };
}

/** nifti1.h method 3: columns of the sform normalised, converted from RAS to LPS. */
function sformGeometry(s: number[], unit: number): ReferenceGeometry | undefined {
  const ras = new Array<number>(9);
  for (let col = 0; col < 3; col++) {
    const len = Math.hypot(s[col], s[4 + col], s[8 + col]);
    if (!(len > 0)) return undefined;
    for (let row = 0; row < 3; row++) ras[row * 3 + col] = s[row * 4 + col] / len;
  }
  return { origin: [-s[3] * unit, -s[7] * unit, s[11] * unit], direction: rasToLps(ras) };
}

function rasToLps(m: number[]): number[] {
  return m.map((x, i) => (i < 6 ? -x : x));
}

/** First difference between what a reader returned and the reference decode, or undefined. */
export function compareWithReference(
  got: { dims: number[]; spacing: number[]; origin: number[]; direction: number[]; data: ArrayLike<number> },
  ref: ReferenceVolume,
): string | undefined {
  if (got.dims.join() !== ref.dims.join()) return `dims ${got.dims.join('×')} vs ${ref.dims.join('×')}`;
  for (let d = 0; d < 3; d++) {
    if (Math.abs(got.spacing[d] - ref.spacing[d]) > 1e-5 * Math.max(1, ref.spacing[d]))
      return `spacing ${got.spacing.join()} vs ${ref.spacing.join()}`;
  }
  const geometryFits = ref.geometries.some(
    (g) =>
      g.origin.every((o, i) => Math.abs(o - got.origin[i]) <= 1e-3 * Math.max(1, Math.abs(o))) &&
      g.direction.every((x, i) => Math.abs(x - got.direction[i]) <= 1e-4),
  );
  if (!geometryFits) return `geometry origin ${got.origin.map((x) => x.toFixed(3)).join()} matches no qform/sform reading`;
  if (got.data.length !== ref.values.length) return `${got.data.length} voxels vs ${ref.values.length}`;
  for (let i = 0; i < ref.values.length; i++) {
    const a = got.data[i];
    const b = ref.values[i];
    if (a !== b && !(Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(b)))) return `voxel ${i}: ${a} vs ${b}`;
  }
  return undefined;
}
