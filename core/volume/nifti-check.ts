/**
 * Checks a single-file NIfTI (.nii, .nii.gz) before ITK reads it: the header first (decompressing
 * only its bytes), then the claimed size against the limits, then the data, decompressed with a
 * cap at what the header claims. Refuses what ITK would read wrongly without a word: NaN or ±Inf
 * voxels (ITK turns them into 0), contradictory headers, data shifted by a vox_offset inside the
 * header. Every problem is a LabelWarpError naming the file.
 */
import { promises as fs } from 'node:fs';
import { LabelWarpError } from '../util/errors.js';
import { gunzipBounded, gunzipPrefix, GunzipLimitError, isGzip } from './bounded-gunzip.js';
import { inspectNiftiHeader, niftiDataBytes, niftiGeometryGuess, niftiHeaderProblem } from './nifti-header.js';
import type { NiftiSummary } from './nifti-header.js';
import { DECOMPRESSION_SLACK_BYTES, readLimits } from './read-limits.js';
import { checkDimensionality } from './volume-kind.js';
import type { VolumeKind } from './volume-kind.js';

export interface NiftiCheck {
  header: NiftiSummary;
  /** The whole file, decompressed (checkNifti only; the header check reads no voxels). */
  bytes?: Uint8Array;
  /** Why the geometry will be guessed (no qform/sform), in words that follow the file's name. */
  geometryGuess?: string;
}

const HEADER_BYTES = 544;

export function isNiftiFile(file: string): boolean {
  const lower = file.toLowerCase();
  return lower.endsWith('.nii') || lower.endsWith('.nii.gz');
}

/** Compressed bytes read for a header-only check: the 348- or 540-byte header is at the stream's start. */
const PREFIX_BYTES = 64 << 10;

async function checkSize(file: string): Promise<number> {
  const stat = await fs.stat(file);
  if (stat.size === 0) throw new LabelWarpError('is empty', file);
  if (stat.size > readLimits().maxBytes + HEADER_BYTES + DECOMPRESSION_SLACK_BYTES) {
    throw new LabelWarpError(`is too large (${stat.size} bytes); at most ${readLimits().maxBytes} bytes of voxel data are supported`, file);
  }
  return stat.size;
}

/** The header of a file's first bytes (all of them, or a prefix), checked against the limits for `kind`. */
async function parseHeader(file: string, kind: VolumeKind, bytes: Uint8Array, whole: boolean): Promise<{ h: NiftiSummary; gz: boolean }> {
  const gz = isGzip(bytes);
  if (!gz && file.toLowerCase().endsWith('.gz')) throw new LabelWarpError('has a .gz name but is not gzip-compressed', file);
  let head: Uint8Array = bytes;
  if (gz) {
    try {
      head = gunzipPrefix(bytes, HEADER_BYTES);
      // A stream too short for a header: decompress it whole (it is small) to tell truncation apart.
      if (head.length < HEADER_BYTES && whole) head = await gunzipBounded(bytes, HEADER_BYTES + DECOMPRESSION_SLACK_BYTES);
    } catch (err) {
      throw new LabelWarpError(`corrupt or truncated gzip data (${zlibReason(err)})`, file);
    }
  }
  const h = inspectNiftiHeader(head);
  if (typeof h === 'string') throw new LabelWarpError(h, file);
  if (h.pairedFile) throw new LabelWarpError('is a NIfTI header with a separate .img file; use a single-file .nii/.nii.gz', file);
  const problem = niftiHeaderProblem(h);
  if (problem) throw new LabelWarpError(`unusable NIfTI header: ${problem}`, file);
  const limits = readLimits();
  checkDimensionality(file, kind, h.ndim, h.dims, h.bitpix / 8, limits);
  // A NIfTI-2 offset is 64-bit: one beyond the byte limit is refused before any read.
  if (h.voxOffset > limits.maxBytes)
    throw new LabelWarpError(`vox_offset ${h.voxOffset} lies beyond the ${limits.maxBytes}-byte limit`, file);
  return { h, gz };
}

/**
 * The header only (for sizes and geometry, e.g. when a scan is added): reads and decompresses the
 * file's first bytes, never its voxels. The voxels are checked when the volume is read.
 */
export async function checkNiftiHeader(file: string, kind: VolumeKind): Promise<NiftiCheck> {
  const size = await checkSize(file);
  if (size <= PREFIX_BYTES) return checkNifti(file, kind);
  const fh = await fs.open(file, 'r');
  let prefix: Uint8Array;
  try {
    const buf = new Uint8Array(PREFIX_BYTES);
    const { bytesRead } = await fh.read(buf, 0, PREFIX_BYTES, 0);
    prefix = buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
  const { h } = await parseHeader(file, kind, prefix, false);
  return { header: h, geometryGuess: niftiGeometryGuess(h) };
}

export async function checkNifti(file: string, kind: VolumeKind): Promise<NiftiCheck> {
  await checkSize(file);
  const bytes = await fs.readFile(file);
  const { h, gz } = await parseHeader(file, kind, bytes, true);

  const need = h.voxOffset + niftiDataBytes(h);
  let data: Uint8Array = bytes;
  if (gz) {
    try {
      data = await gunzipBounded(bytes, need + DECOMPRESSION_SLACK_BYTES);
    } catch (err) {
      if (err instanceof GunzipLimitError) {
        throw new LabelWarpError(`decompresses to more than the ${need} bytes its header describes (refused before reading further)`, file);
      }
      throw new LabelWarpError(`corrupt or truncated gzip data (${zlibReason(err)})`, file);
    }
  }
  if (data.length < need) throw new LabelWarpError(`truncated: the header promises ${need} bytes, the file holds ${data.length}`, file);

  // ITK's NIfTI reader silently turns NaN and ±Inf into 0, so count them here, before it does.
  const bad = countNonFiniteRaw(data, h.voxOffset, niftiDataBytes(h), h.datatype, h.littleEndian);
  if (bad > 0) {
    throw new LabelWarpError(
      `contains ${bad} NaN or infinite voxel values${kind === 'labels' ? ' (a label map must hold whole numbers)' : ''}`,
      file,
    );
  }
  return { header: h, bytes: data, geometryGuess: niftiGeometryGuess(h) };
}

function zlibReason(err: unknown): string {
  const msg = err instanceof Error ? err.message.split('\n')[0] : String(err);
  return msg.length > 80 ? `${msg.slice(0, 80)}…` : msg;
}

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Non-finite values in raw float32 (datatype 16) or float64 (64) NIfTI data. */
function countNonFiniteRaw(bytes: Uint8Array, offset: number, length: number, datatype: number, littleEndian: boolean): number {
  const size = datatype === 16 ? 4 : datatype === 64 ? 8 : 0;
  if (size === 0) return 0;
  const start = bytes.byteOffset + offset;
  // Aligned data in this machine's byte order is read through a typed array (much faster than DataView).
  if (littleEndian === HOST_LITTLE_ENDIAN && start % size === 0) {
    const values =
      size === 4
        ? new Float32Array(bytes.buffer, start, Math.floor(length / 4))
        : new Float64Array(bytes.buffer, start, Math.floor(length / 8));
    let bad = 0;
    for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) bad++;
    return bad;
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, length);
  let bad = 0;
  for (let o = 0; o + size <= length; o += size) {
    const v = size === 4 ? view.getFloat32(o, littleEndian) : view.getFloat64(o, littleEndian);
    if (!Number.isFinite(v)) bad++;
  }
  return bad;
}
