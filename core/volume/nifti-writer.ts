/**
 * A NIfTI-1 writer for the result folder, producing the header ITK's NIfTI writer produces (the
 * convention tools such as ITK-SNAP, ANTs and transformix expect: qform and sform from the LPS
 * geometry converted to RAS, vectors as a 5D volume with intent VECTOR and the components as
 * given), but without copying the data through WebAssembly: the header and the voxel array go
 * to the file directly, and `.nii.gz` is compressed on Node's thread pool (gzip level 1: the
 * field-like data barely compresses further at higher levels, at several times the cost).
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import { gzip } from 'node:zlib';
import { promisify } from 'node:util';
import type { Volume, VoxelArray } from './volume.js';

const gzipAsync = promisify(gzip);

const HEADER_BYTES = 348;
/** Header, then 4 bytes saying "no extension". */
const VOX_OFFSET = 352;
const NIFTI_INTENT_VECTOR = 1007;
/** NIFTI_UNITS_MM | NIFTI_UNITS_SEC, as ITK writes. */
const XYZT_UNITS = 2 | 8;
const NIFTI_XFORM_SCANNER_ANAT = 1;

const DATATYPES = new Map<unknown, number>([
  [Uint8Array, 2],
  [Int16Array, 4],
  [Int32Array, 8],
  [Float32Array, 16],
  [Float64Array, 64],
  [Int8Array, 256],
  [Uint16Array, 512],
  [Uint32Array, 768],
]);

/** Quaternion (b, c, d) and qfac of a rotation-or-reflection matrix (row-major), as nifti1_io does. */
function quaternion(r: number[]): { b: number; c: number; d: number; qfac: number } {
  const m = [...r];
  const det = m[0] * (m[4] * m[8] - m[5] * m[7]) - m[1] * (m[3] * m[8] - m[5] * m[6]) + m[2] * (m[3] * m[7] - m[4] * m[6]);
  let qfac = 1;
  if (det < 0) {
    qfac = -1;
    m[2] = -m[2];
    m[5] = -m[5];
    m[8] = -m[8];
  }
  const [r11, r12, r13, r21, r22, r23, r31, r32, r33] = m;
  let a = r11 + r22 + r33 + 1;
  let b: number;
  let c: number;
  let d: number;
  if (a > 0.5) {
    a = 0.5 * Math.sqrt(a);
    b = (0.25 * (r32 - r23)) / a;
    c = (0.25 * (r13 - r31)) / a;
    d = (0.25 * (r21 - r12)) / a;
  } else {
    const xd = 1 + r11 - (r22 + r33);
    const yd = 1 + r22 - (r11 + r33);
    const zd = 1 + r33 - (r11 + r22);
    if (xd > 1) {
      b = 0.5 * Math.sqrt(xd);
      c = (0.25 * (r12 + r21)) / b;
      d = (0.25 * (r13 + r31)) / b;
      a = (0.25 * (r32 - r23)) / b;
    } else if (yd > 1) {
      c = 0.5 * Math.sqrt(yd);
      b = (0.25 * (r12 + r21)) / c;
      d = (0.25 * (r23 + r32)) / c;
      a = (0.25 * (r13 - r31)) / c;
    } else {
      d = 0.5 * Math.sqrt(zd);
      b = (0.25 * (r13 + r31)) / d;
      c = (0.25 * (r23 + r32)) / d;
      a = (0.25 * (r21 - r12)) / d;
    }
    if (a < 0) {
      b = -b;
      c = -c;
      d = -d;
    }
  }
  return { b, c, d, qfac };
}

/** The 352 bytes before the voxel data (little-endian). */
export function niftiHeader(vol: Volume): Uint8Array {
  const datatype = DATATYPES.get(vol.data.constructor);
  if (datatype === undefined) throw new Error('unsupported voxel array type');
  const bytes = new Uint8Array(VOX_OFFSET);
  const h = new DataView(bytes.buffer);
  const vector = vol.components > 1;
  h.setInt32(0, HEADER_BYTES, true);
  h.setUint8(38, 0x72); // regular = 'r'
  const dim = vector ? [5, ...vol.dims, 1, vol.components, 1, 1] : [3, ...vol.dims, 1, 1, 1, 1];
  dim.forEach((v, i) => h.setInt16(40 + 2 * i, v, true));
  if (vector) h.setInt16(68, NIFTI_INTENT_VECTOR, true);
  h.setInt16(70, datatype, true);
  h.setInt16(72, vol.data.BYTES_PER_ELEMENT * 8, true);
  // LPS → RAS: the first two world axes change sign (`+ 0` keeps zeros positive, as ITK writes them).
  const ras = [-1, -1, 1];
  const dir = vol.direction.map((v, i) => ras[Math.floor(i / 3)] * v + 0);
  const origin = vol.origin.map((v, i) => ras[i] * v + 0);
  const q = quaternion(dir);
  const pixdim = [q.qfac, ...vol.spacing, 0, 0, 0, 0];
  pixdim.forEach((v, i) => h.setFloat32(76 + 4 * i, v, true));
  h.setFloat32(108, VOX_OFFSET, true);
  h.setFloat32(112, 1, true); // scl_slope
  h.setUint8(123, XYZT_UNITS);
  h.setInt16(252, NIFTI_XFORM_SCANNER_ANAT, true);
  h.setInt16(254, NIFTI_XFORM_SCANNER_ANAT, true);
  [q.b, q.c, q.d, ...origin].forEach((v, i) => h.setFloat32(256 + 4 * i, v + 0, true));
  for (let r = 0; r < 3; r++) {
    for (let c = 0; c < 3; c++) h.setFloat32(280 + 16 * r + 4 * c, dir[3 * r + c] * vol.spacing[c], true);
    h.setFloat32(280 + 16 * r + 12, origin[r], true);
  }
  bytes.set([0x6e, 0x2b, 0x31, 0], 344); // "n+1\0"
  return bytes;
}

/** Voxels per chunk when a vector volume's components are reordered on the way out. */
const CHUNK_VOXELS = 1 << 20;

/** Bytes of the voxel data and where they go, counted from the start of the voxel data. */
interface VoxelPiece {
  bytes: Uint8Array;
  at: number;
}

/**
 * The voxel bytes in NIfTI's order, in pieces: scalar volumes as they lie in memory; vector
 * volumes (interleaved, component fastest) one whole volume per component (dim[5]). The field is
 * read once, a chunk of voxels at a time, each chunk giving one piece per component, placed at
 * its component's offset (no second copy of the field, no pass per component). 4-byte values
 * (float32 fields) move as their bits through one array type (one fast loop).
 */
function* voxelPieces(data: VoxelArray, components: number): Generator<VoxelPiece> {
  if (components === 1) {
    yield { bytes: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), at: 0 };
    return;
  }
  const Ctor = data.constructor as new (n: number) => VoxelArray;
  const four = data.BYTES_PER_ELEMENT === 4;
  const from: ArrayLike<number> = four ? new Uint32Array(data.buffer, data.byteOffset, data.length) : data;
  const n = data.length / components;
  for (let v0 = 0; v0 < n; v0 += CHUNK_VOXELS) {
    const m = Math.min(CHUNK_VOXELS, n - v0);
    const chunks = Array.from({ length: components }, () => new Ctor(m));
    const to = chunks.map((c): { [i: number]: number } => (four ? new Uint32Array(c.buffer) : c));
    if (components === 3) {
      // Displacement fields, unrolled.
      const [t0, t1, t2] = to;
      for (let v = 0, i = v0 * 3; v < m; v++, i += 3) {
        t0[v] = from[i];
        t1[v] = from[i + 1];
        t2[v] = from[i + 2];
      }
    } else for (let v = 0, i = v0 * components; v < m; v++) for (let c = 0; c < components; c++, i++) to[c][v] = from[i];
    for (let c = 0; c < components; c++) yield { bytes: new Uint8Array(chunks[c].buffer), at: (c * n + v0) * data.BYTES_PER_ELEMENT };
  }
}

/**
 * Writes a volume as `.nii` or `.nii.gz` (by the name). `byComponent`: a vector volume's voxels
 * already in NIfTI's order (component by component), written without reordering.
 */
export async function writeNifti(file: string, vol: Volume, options: { byComponent?: VoxelArray } = {}): Promise<void> {
  // The voxel array goes out as it lies in memory: little-endian on every platform Node runs on here.
  if (os.endianness() !== 'LE') throw new Error('writing NIfTI needs a little-endian machine');
  const header = niftiHeader(vol);
  const ready = options.byComponent;
  if (ready && (ready.length !== vol.data.length || ready.BYTES_PER_ELEMENT !== vol.data.BYTES_PER_ELEMENT)) {
    throw new Error('the component-by-component copy does not match the volume');
  }
  const pieces = ready
    ? [{ bytes: new Uint8Array(ready.buffer, ready.byteOffset, ready.byteLength), at: 0 }]
    : voxelPieces(vol.data, vol.components);
  if (file.toLowerCase().endsWith('.gz')) {
    // One gzip call on Node's thread pool (a stream through gzip made many round trips to this
    // thread and took twice as long on a loaded machine). Its output buffer is as large as the
    // input (up to 64 MiB): one or a few round trips, not one per 16 KiB of compressed output.
    const input = Buffer.allocUnsafe(header.length + vol.data.byteLength);
    input.set(header, 0);
    for (const p of pieces) input.set(p.bytes, header.length + p.at);
    const chunkSize = Math.max(64 * 1024, Math.min(input.length, 64 * 1024 * 1024));
    await fs.writeFile(file, await gzipAsync(input, { level: 1, chunkSize }));
  } else {
    const fh = await fs.open(file, 'w');
    try {
      // Each piece goes to its own place in the file.
      await fh.write(header, 0, header.length, 0);
      for (const p of pieces) await fh.write(p.bytes, 0, p.bytes.length, header.length + p.at);
    } finally {
      await fh.close();
    }
  }
}
