/**
 * The NIfTI-1/2 header fields that decide whether ITK will read a file correctly, and the checks
 * that refuse a header before its data are decompressed or handed to the reader: the full magic,
 * datatype against bitpix, dimensions, vox_offset, units and geometry fields. Parsing of the
 * geometry proper stays ITK's; these checks only make sure ITK is never asked to guess silently.
 */
export interface NiftiSummary {
  version: 1 | 2;
  littleEndian: boolean;
  /** dim[0]: number of dimensions in use. */
  ndim: number;
  /** dim[1..7]. */
  dims: number[];
  datatype: number;
  bitpix: number;
  /** intent_code (e.g. 1007 for a vector field). */
  intentCode: number;
  voxOffset: number;
  /** pixdim[0..7] (pixdim[0] is qfac). */
  pixdim: number[];
  sclSlope: number;
  sclInter: number;
  /** Spatial unit code (xyzt_units & 7): 0 unknown, 1 metre, 2 mm, 3 micron. */
  spatialUnits: number;
  qformCode: number;
  sformCode: number;
  /** quatern_b, c, d, qoffset_x, y, z. */
  quatern: number[];
  /** srow_x, srow_y, srow_z (12 values). */
  srow: number[];
  /** True for a header with a separate .img file ("ni1"/"ni2"). */
  pairedFile: boolean;
}

/** Size of the header a single-file NIfTI needs before its data (header + 4 extension bytes). */
const MIN_VOX_OFFSET = { 1: 352, 2: 544 } as const;

/** NIfTI datatype code → [bits per voxel, description]. */
const DATATYPES = new Map<number, [number, string]>([
  [2, [8, 'uint8']],
  [4, [16, 'int16']],
  [8, [32, 'int32']],
  [16, [32, 'float32']],
  [32, [64, 'complex64']],
  [64, [64, 'float64']],
  [128, [24, 'RGB24']],
  [256, [8, 'int8']],
  [512, [16, 'uint16']],
  [768, [32, 'uint32']],
  [1024, [64, 'int64']],
  [1280, [64, 'uint64']],
  [1536, [128, 'float128']],
  [1792, [128, 'complex128']],
  [2048, [256, 'complex256']],
  [2304, [32, 'RGBA32']],
]);

/** Scalar datatypes LabelWarp reads (the others are refused with their name). */
const SUPPORTED_DATATYPES = new Set([2, 4, 8, 16, 64, 256, 512, 768]);

const NIFTI2_MAGIC_TAIL = [0x0d, 0x0a, 0x1a, 0x0a];

/** Parses the header at the start of `bytes`; a string is the reason it is not a usable NIfTI header. */
export function inspectNiftiHeader(bytes: Uint8Array): NiftiSummary | string {
  if (bytes.length < 348) return `only ${bytes.length} bytes: too short for a NIfTI header (348 bytes)`;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (const le of [true, false]) {
    const size = view.getInt32(0, le);
    if (size === 348) return parseNifti1(bytes, view, le);
    if (size === 540) {
      if (bytes.length < 540) return `only ${bytes.length} bytes: too short for a NIfTI-2 header (540 bytes)`;
      return parseNifti2(bytes, view, le);
    }
  }
  return 'not a NIfTI file (no NIfTI header found)';
}

function parseNifti1(bytes: Uint8Array, view: DataView, le: boolean): NiftiSummary | string {
  const m = bytes.subarray(344, 348);
  const plain = m[0] === 0x6e && (m[1] === 0x2b || m[1] === 0x69) && m[2] === 0x31 && m[3] === 0;
  if (!plain) return 'header size is 348 but the magic is not NIfTI-1 (expected "n+1" or "ni1" and a zero byte)';
  const f32 = (off: number) => view.getFloat32(off, le);
  const dims = Array.from({ length: 8 }, (_, i) => view.getInt16(40 + 2 * i, le));
  return {
    version: 1,
    littleEndian: le,
    ndim: dims[0],
    dims: dims.slice(1),
    datatype: view.getInt16(70, le),
    bitpix: view.getInt16(72, le),
    intentCode: view.getInt16(68, le),
    voxOffset: f32(108),
    pixdim: Array.from({ length: 8 }, (_, i) => f32(76 + 4 * i)),
    sclSlope: f32(112),
    sclInter: f32(116),
    spatialUnits: view.getUint8(123) & 7,
    qformCode: view.getInt16(252, le),
    sformCode: view.getInt16(254, le),
    quatern: Array.from({ length: 6 }, (_, i) => f32(256 + 4 * i)),
    srow: Array.from({ length: 12 }, (_, i) => f32(280 + 4 * i)),
    pairedFile: m[1] === 0x69,
  };
}

function parseNifti2(bytes: Uint8Array, view: DataView, le: boolean): NiftiSummary | string {
  const m = bytes.subarray(4, 12);
  const plain = m[0] === 0x6e && (m[1] === 0x2b || m[1] === 0x69) && m[2] === 0x32 && m[3] === 0;
  if (!plain || NIFTI2_MAGIC_TAIL.some((b, i) => m[4 + i] !== b)) {
    return 'header size is 540 but the magic is not NIfTI-2 (expected "n+2" or "ni2" and its 4-byte tail)';
  }
  const f64 = (off: number) => view.getFloat64(off, le);
  const dims = Array.from({ length: 8 }, (_, i) => Number(view.getBigInt64(16 + 8 * i, le)));
  return {
    version: 2,
    littleEndian: le,
    ndim: dims[0],
    dims: dims.slice(1),
    datatype: view.getInt16(12, le),
    bitpix: view.getInt16(14, le),
    intentCode: view.getInt32(504, le),
    voxOffset: Number(view.getBigInt64(168, le)),
    pixdim: Array.from({ length: 8 }, (_, i) => f64(104 + 8 * i)),
    sclSlope: f64(176),
    sclInter: f64(184),
    spatialUnits: view.getInt32(500, le) & 7,
    qformCode: view.getInt32(344, le),
    sformCode: view.getInt32(348, le),
    quatern: Array.from({ length: 6 }, (_, i) => f64(352 + 8 * i)),
    srow: Array.from({ length: 12 }, (_, i) => f64(400 + 8 * i)),
    pairedFile: m[1] === 0x69,
  };
}

/** Dimensions in use (dim[1..ndim]), with the number of values they hold. */
export function niftiVoxelCount(h: NiftiSummary): number {
  let n = 1;
  for (let d = 0; d < Math.min(h.ndim, 7); d++) n *= h.dims[d];
  return n;
}

/** Number of data bytes the header promises. */
export function niftiDataBytes(h: NiftiSummary): number {
  return (niftiVoxelCount(h) * h.bitpix) / 8;
}

/**
 * Refuses headers that are self-contradictory or that ITK would read into wrong voxels or a wrong
 * grid without saying so. Returns the reason, or undefined when the header is consistent.
 */
export function niftiHeaderProblem(h: NiftiSummary): string | undefined {
  if (!(h.ndim >= 1 && h.ndim <= 7)) return `dim[0] is ${h.ndim}; it must be between 1 and 7`;
  for (let d = 0; d < h.ndim; d++) {
    if (!(h.dims[d] >= 1)) return `dim[${d + 1}] is ${h.dims[d]}; every dimension in use must be at least 1`;
  }
  const type = DATATYPES.get(h.datatype);
  if (!type) return `unknown NIfTI datatype code ${h.datatype}`;
  if (h.bitpix !== type[0]) return `bitpix ${h.bitpix} contradicts datatype ${h.datatype} (${type[1]}, ${type[0]} bits)`;
  if (!SUPPORTED_DATATYPES.has(h.datatype)) {
    return `holds ${type[1]} voxels (datatype ${h.datatype}); supported are uint8, int8, uint16, int16, uint32, int32, float32 and float64`;
  }
  if (!Number.isInteger(h.voxOffset)) return `vox_offset ${h.voxOffset} is not a whole number of bytes`;
  const minOffset = MIN_VOX_OFFSET[h.version];
  if (!h.pairedFile && h.voxOffset < minOffset) {
    return `vox_offset ${h.voxOffset} points inside the header; a single-file NIfTI-${h.version} needs at least ${minOffset}`;
  }
  const spatial = Math.min(h.ndim, 3);
  for (let d = 1; d <= spatial; d++) {
    if (!Number.isFinite(h.pixdim[d]) || h.pixdim[d] === 0) return `pixdim[${d}] (voxel size) is ${h.pixdim[d]}`;
  }
  if (!Number.isFinite(h.sclSlope) && !Number.isNaN(h.sclSlope)) return `scl_slope is ${h.sclSlope}`;
  // The standard says slope 0 (or NaN) means no scaling at all; ITK still adds the intercept.
  if (!(h.sclSlope !== 0 && Number.isFinite(h.sclSlope)) && h.sclInter !== 0) {
    return `scl_slope ${h.sclSlope} means "no scaling" but scl_inter is ${h.sclInter}; readers disagree on such files`;
  }
  if (h.sclSlope !== 0 && Number.isFinite(h.sclSlope) && !Number.isFinite(h.sclInter)) return `scl_inter is ${h.sclInter}`;
  for (const [name, code] of [
    ['qform_code', h.qformCode],
    ['sform_code', h.sformCode],
  ] as const) {
    if (code < 0 || code > 5) return `${name} ${code} is not a NIfTI transform code (0–5)`;
  }
  if (h.qformCode > 0) {
    if (h.quatern.some((v) => !Number.isFinite(v))) return 'the qform (quaternion and offset) holds NaN or infinite values';
    const [b, c, d] = h.quatern;
    if (b * b + c * c + d * d > 1 + 1e-3) return 'the qform quaternion is not a rotation (b² + c² + d² > 1)';
  }
  if (h.sformCode > 0) {
    if (h.srow.some((v) => !Number.isFinite(v))) return 'the sform (srow_x/y/z) holds NaN or infinite values';
    if (Math.abs(det3(h.srow)) < 1e-12) return 'the sform matrix is singular (its voxel axes are not independent)';
  }
  if (h.spatialUnits > 3) return `xyzt_units gives the unknown spatial unit code ${h.spatialUnits}`;
  if (h.spatialUnits === 1) {
    const extent = Math.max(...[0, 1, 2].map((d) => Math.abs(h.pixdim[d + 1] ?? 1) * Math.max(1, h.dims[d] ?? 1)));
    if (extent * 1000 > MAX_PLAUSIBLE_EXTENT_MM) {
      return `xyzt_units says metres, which makes the volume ${extent.toFixed(1)} m wide; the units code is probably wrong`;
    }
  }
  return undefined;
}

/** No scanner images a field of view beyond a few metres; a header claiming more has wrong units. */
const MAX_PLAUSIBLE_EXTENT_MM = 5000;

function det3(s: number[]): number {
  const [a, b, c, , d, e, f, , g, h, i] = s;
  return a * (e * i - f * h) - b * (d * i - f * g) + c * (d * h - e * g);
}

/** Present when ITK will have to guess the grid: neither qform nor sform is set. */
export function niftiGeometryGuess(h: NiftiSummary): string | undefined {
  if (h.qformCode === 0 && h.sformCode === 0) {
    return 'has no qform or sform: its position and orientation are unknown, so the identity orientation at origin 0 was assumed';
  }
  return undefined;
}
