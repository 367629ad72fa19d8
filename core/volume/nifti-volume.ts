/**
 * A single-file NIfTI-1 volume built directly from the bytes the NIfTI check already read and
 * decompressed (nifti-check.ts), without a second decompression in ITK-Wasm, for the files whose
 * grid ITK derives without judgement calls: a qform alone, an orthonormal sform alone, or a qform
 * and a SCANNER_ANAT sform that agree (what ITK, ANTs, FSL and LabelWarp's own writer produce). The grid is computed the
 * way ITK's NIfTI reader computes it — nifti_clib's single-precision matrices, origin and
 * direction columns converted from RAS to LPS, direction columns normalised in double precision,
 * spacing from pixdim — so the volume equals ITK's (test/unit/nifti-volume.test.ts compares them
 * on real and constructed files). Everything else (no qform/sform, an sform beside a qform that
 * is not SCANNER_ANAT or not the same mapping, vector intents) returns undefined and is read by
 * ITK as before. Big-endian files are read here too, their voxels byte-swapped (ITK swaps them the
 * same way); NIfTI-2, which ITK does not read, only here.
 */
import type { NiftiSummary } from './nifti-header.js';
import type { Grid, Mat3, Vec3, VoxelArray } from './volume.js';

const f = Math.fround;

/** NIfTI datatype code → typed array of the voxels ITK returns for it (no rescaling). */
const ARRAYS = new Map<number, { new (buffer: ArrayBuffer): VoxelArray }>([
  [2, Uint8Array],
  [4, Int16Array],
  [8, Int32Array],
  [16, Float32Array],
  [64, Float64Array],
  [256, Int8Array],
  [512, Uint16Array],
  [768, Uint32Array],
]);

/** Intents ITK reads as vectors or matrices rather than scalar volumes. */
const NON_SCALAR_INTENTS = new Set([1004, 1005, 1006, 1007]);

const XFORM_SCANNER_ANAT = 1;
const DOUBLE_EPSILON = 2 ** -52;

type Mat44 = number[][];

/**
 * How the header's matrices are stored: NIfTI-1's in single precision (as nifti_clib and so ITK
 * hold them), NIfTI-2's in double precision (nifti2.h).
 */
const precision = (h: NiftiSummary): ((x: number) => number) => (h.version === 1 ? f : (x) => x);

/** nifti_clib's quaternion → 4×4 (qto_xyz), each element rounded to the header's precision as it stores them. */
function quaternToMat44(h: NiftiSummary): Mat44 {
  const f = precision(h);
  let [b, c, d] = h.quatern.slice(0, 3);
  const [qx, qy, qz] = h.quatern.slice(3, 6);
  let a = 1 - (b * b + c * c + d * d);
  if (a < 1e-7) {
    a = 1 / Math.sqrt(b * b + c * c + d * d);
    b *= a;
    c *= a;
    d *= a;
    a = 0;
  } else a = Math.sqrt(a);
  const [dx, dy, dz] = [1, 2, 3].map((i) => (h.pixdim[i] > 0 ? h.pixdim[i] : 1));
  const zd = h.pixdim[0] < 0 ? -dz : dz;
  return [
    [f((a * a + b * b - c * c - d * d) * dx), f(2 * (b * c - a * d) * dy), f(2 * (b * d + a * c) * zd), f(qx)],
    [f(2 * (b * c + a * d) * dx), f((a * a + c * c - b * b - d * d) * dy), f(2 * (c * d - a * b) * zd), f(qy)],
    [f(2 * (b * d - a * c) * dx), f(2 * (c * d + a * b) * dy), f((a * a + d * d - c * c - b * b) * zd), f(qz)],
    [0, 0, 0, 1],
  ];
}

function sformMat44(h: NiftiSummary): Mat44 {
  const s = h.srow.map(precision(h));
  return [s.slice(0, 4), s.slice(4, 8), s.slice(8, 12), [0, 0, 0, 1]];
}

/** ITK's first test of whether qform and sform describe the same mapping (element by element, in the header's precision). */
function similar(s: Mat44, q: Mat44, f: (x: number) => number): boolean {
  for (let r = 0; r < 3; r++) for (let c = 0; c < 3; c++) if (Math.abs(f(s[r][c] - q[r][c])) > 1e-5) return false;
  let translation = 0;
  let bottom = 0;
  for (let r = 0; r < 4; r++) translation = f(translation + Math.abs(f(s[r][3] - q[r][3])));
  for (let c = 0; c < 4; c++) bottom = f(bottom + Math.abs(f(s[3][c] - q[3][c])));
  return translation <= 1e-7 && bottom <= 1e-7;
}

/**
 * Whether ITK's reader takes an sform as rotation and scaling (it tests that its columns, each
 * normalised, are orthonormal within 1e-4 in single precision): true or false where the answer is
 * clear, undefined near the tolerance (single against double precision could decide differently).
 */
function orthonormalSform(s: Mat44): boolean | undefined {
  const cols = [0, 1, 2].map((c) => {
    const v = [s[0][c], s[1][c], s[2][c]];
    const n = Math.hypot(...v);
    return v.map((x) => x / n);
  });
  const det =
    cols[0][0] * (cols[1][1] * cols[2][2] - cols[2][1] * cols[1][2]) -
    cols[1][0] * (cols[0][1] * cols[2][2] - cols[2][1] * cols[0][2]) +
    cols[2][0] * (cols[0][1] * cols[1][2] - cols[1][1] * cols[0][2]);
  if (!(Math.abs(det) > 1e-3)) return undefined;
  // R·Rᵀ against the identity.
  let worst = 0;
  for (let r = 0; r < 3; r++)
    for (let q = 0; q < 3; q++) {
      let dot = 0;
      for (let c = 0; c < 3; c++) dot += cols[c][r] * cols[c][q];
      worst = Math.max(worst, Math.abs(dot - (r === q ? 1 : 0)));
    }
  return worst < 0.5e-4 ? true : worst > 2e-4 ? false : undefined;
}

/** The matrix ITK takes its grid from, where that choice involves no further tests; else undefined. */
function unambiguousMatrix(h: NiftiSummary): Mat44 | undefined {
  // An sform alone: ITK takes it when it is a rotation and scaling (else it refuses the file).
  if (h.qformCode <= 0) return h.sformCode > 0 && orthonormalSform(sformMat44(h)) === true ? sformMat44(h) : undefined;
  const q = quaternToMat44(h);
  if (h.sformCode === 0) return q;
  if (h.sformCode !== XFORM_SCANNER_ANAT) return undefined;
  const s = sformMat44(h);
  // Similar matrices with a SCANNER_ANAT sform: ITK takes the sform whether or not it decomposes.
  return similar(s, q, precision(h)) ? s : undefined;
}

/** Millimetres per stored unit, as ITK scales spacing and origin (unknown units count as mm). */
function spacingScale(units: number): number {
  return units === 1 ? 1e3 : units === 3 ? 1e-3 : 1;
}

function det3(m: Mat3): number {
  const [a, b, c, d, e, g, h, i, j] = m;
  return a * (e * j - g * i) - b * (d * j - g * h) + c * (d * i - e * h);
}

/**
 * NIfTI-2, which ITK does not read: the sform where it is set and a rotation and scaling (as
 * nibabel chooses), else the qform; undefined with neither.
 */
function nifti2Matrix(h: NiftiSummary): Mat44 | undefined {
  if (h.sformCode > 0 && orthonormalSform(sformMat44(h)) !== false) return sformMat44(h);
  return h.qformCode > 0 ? quaternToMat44(h) : undefined;
}

/**
 * The grid ITK reads from this header, or undefined where ITK must be asked. NIfTI-2, which ITK
 * does not read, by the same arithmetic in double precision (nifti2Matrix chooses the matrix;
 * the voxel size is |pixdim|).
 */
export function niftiGrid(h: NiftiSummary): Grid | undefined {
  if (h.pairedFile) return undefined;
  const pixdim = h.version === 1 ? h.pixdim : h.pixdim.map(Math.abs);
  if (!(pixdim[1] > 0 && pixdim[2] > 0 && pixdim[3] > 0)) return undefined;
  const m = h.version === 1 ? unambiguousMatrix(h) : nifti2Matrix(h);
  if (!m) return undefined;
  const scale = spacingScale(h.spatialUnits);
  const spacing: Vec3 = [pixdim[1] * scale, pixdim[2] * scale, pixdim[3] * scale];
  const origin: Vec3 = [-m[0][3] * scale, -m[1][3] * scale, m[2][3] * scale];
  const direction = [0, 0, 0, 0, 0, 0, 0, 0, 0] as Mat3;
  for (let c = 0; c < 3; c++) {
    const v = [-m[0][c], -m[1][c], m[2][c]];
    let sum = 0;
    for (const x of v) sum += x * x;
    const norm = sum === 0 ? 1 : Math.sqrt(sum);
    for (let r = 0; r < 3; r++) direction[3 * r + c] = v[r] / norm;
  }
  // A degenerate orientation is left to ITK (its reader substitutes the identity).
  if (!(Math.abs(det3(direction)) > 1e-6)) return undefined;
  return { dims: [h.dims[0], h.dims[1], h.dims[2]], spacing, origin, direction };
}

/** The scaling ITK applies to the voxels (scl_slope, scl_inter), or undefined where it applies none. */
function rescaling(h: NiftiSummary): { slope: number; inter: number } | undefined {
  const slope = Math.abs(h.sclSlope) < DOUBLE_EPSILON ? 1 : h.sclSlope;
  const inter = h.sclInter;
  const scaled = Math.abs(slope) > DOUBLE_EPSILON && (Math.abs(slope - 1) > DOUBLE_EPSILON || Math.abs(inter) > DOUBLE_EPSILON);
  return scaled ? { slope, inter } : undefined;
}

/**
 * Scaled voxels as ITK returns them: integers become float32 (each value cast to float, then
 * value · slope + intercept in double precision, stored as float), float64 stays double.
 */
function rescale(data: VoxelArray, { slope, inter }: { slope: number; inter: number }): Float32Array | Float64Array {
  const out = data instanceof Float64Array ? new Float64Array(data.length) : new Float32Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = data[i] * slope + inter;
  return out;
}

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Reverses the bytes of each `size`-byte value in place (a file of the other byte order). */
function swapBytes(b: Uint8Array, size: number): void {
  if (size <= 1) return;
  for (let o = 0; o + size <= b.length; o += size)
    for (let i = 0, j = size - 1; i < j; i++, j--) {
      const t = b[o + i];
      b[o + i] = b[o + j];
      b[o + j] = t;
    }
}

/** The grid of a file read here rather than by ITK (niftiScalarVolume), or undefined. */
function directGrid(h: NiftiSummary): Grid | undefined {
  if (NON_SCALAR_INTENTS.has(h.intentCode)) return undefined;
  // ITK drops trailing dimensions of size 1 (a 4D file with one time point is 3D).
  if (h.ndim < 3 || h.dims.slice(3, h.ndim).some((d) => d !== 1)) return undefined;
  return niftiGrid(h);
}

/**
 * ITK reads no NIfTI-2: the grid of one read here, or a one-line reason why it cannot be (the
 * volumes niftiScalarVolume does not build).
 */
export function nifti2Grid(h: NiftiSummary): Grid | string {
  const grid = directGrid(h);
  if (grid) return grid;
  const why = NON_SCALAR_INTENTS.has(h.intentCode)
    ? `its intent ${h.intentCode} is not a scalar volume`
    : h.ndim < 3 || h.dims.slice(3, h.ndim).some((d) => d !== 1)
      ? 'it is not a 3D volume'
      : h.qformCode <= 0 && h.sformCode <= 0
        ? 'it has neither a qform nor an sform'
        : h.qformCode <= 0
          ? 'its sform is not a rotation and scaling (a shear), and it has no qform'
          : 'its orientation is degenerate';
  return `is a NIfTI-2 file LabelWarp cannot read: ${why} (LabelWarp reads 3D NIfTI-2 with a clear orientation; save it as NIfTI-1 otherwise)`;
}

/**
 * The scalar 3D volume (grid and voxels as ITK would return them) of a checked single-file NIfTI,
 * `bytes` being the whole decompressed file; undefined where ITK must read it.
 */
export function niftiScalarVolume(h: NiftiSummary, bytes: Uint8Array): (Grid & { data: VoxelArray; rescaled: boolean }) | undefined {
  const grid = directGrid(h);
  const Ctor = ARRAYS.get(h.datatype);
  if (!grid || !Ctor) return undefined;
  const length = grid.dims[0] * grid.dims[1] * grid.dims[2] * (h.bitpix / 8);
  const start = bytes.byteOffset + h.voxOffset;
  if (h.voxOffset + length > bytes.length) return undefined;
  // A copy of the voxel bytes: aligned for the typed array, and not holding the file's other bytes.
  const copy = bytes.buffer.slice(start, start + length) as ArrayBuffer;
  if (h.littleEndian !== HOST_LITTLE_ENDIAN) swapBytes(new Uint8Array(copy), h.bitpix / 8);
  const data = new Ctor(copy);
  const scaling = rescaling(h);
  return { ...grid, data: scaling ? rescale(data, scaling) : data, rescaled: scaling !== undefined };
}
