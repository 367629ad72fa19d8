import { promises as fs } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import path from 'node:path';
import { readImageNode, writeImageNode } from '@itk-wasm/image-io';
import type { Image } from 'itk-wasm';
import { LabelWarpError } from '../util/errors.js';
import { writeAtomically } from '../util/atomic.js';
import { inspectNiftiHeader, niftiDataBytes } from './nifti-header.js';
import type { Mat3, Vec3, Volume, VoxelArray } from './volume.js';

/** What a file is expected to hold; decides the checks made on reading. */
export type VolumeKind = 'image' | 'labels' | 'vector';

export const SUPPORTED_EXTENSIONS = ['.nii.gz', '.nii', '.nrrd', '.nhdr', '.mha', '.mhd'];

export function isSupportedVolumeFile(file: string): boolean {
  const lower = file.toLowerCase();
  return SUPPORTED_EXTENSIONS.some((e) => lower.endsWith(e));
}

/** Largest volume accepted (voxels × components); protects a laptop from a mistaken 4 GB file. */
export const MAX_VOXELS = 512 * 512 * 512;

/**
 * Reads a 3D volume (NIfTI .nii/.nii.gz, NRRD, MetaImage) into the LabelWarp volume record,
 * with geometry in LPS millimetres. Scaling slope/intercept are applied (images become float32);
 * qform/sform are resolved by ITK. Every problem is a LabelWarpError naming the file.
 */
export async function readVolume(file: string, kind: VolumeKind = 'image'): Promise<Volume> {
  let stat;
  try {
    stat = await fs.stat(file);
  } catch {
    throw new LabelWarpError('file not found', file);
  }
  if (!stat.isFile()) throw new LabelWarpError('is not a file', file);
  if (!isSupportedVolumeFile(file)) {
    throw new LabelWarpError(`unsupported file type; expected one of ${SUPPORTED_EXTENSIONS.join(', ')}`, file);
  }
  const lower = file.toLowerCase();
  if (lower.endsWith('.nii') || lower.endsWith('.nii.gz')) await checkNifti(file, kind);

  let image: Image;
  try {
    image = (await readImageNode(file)) as Image;
  } catch (err) {
    const why = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw new LabelWarpError(`could not be read as an image (${why})`, file);
  }
  return imageToVolume(image, file, kind);
}

async function checkNifti(file: string, kind: VolumeKind): Promise<void> {
  let bytes: Uint8Array = await fs.readFile(file);
  if (bytes.length === 0) throw new LabelWarpError('is empty', file);
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = gunzipSync(bytes);
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      throw new LabelWarpError(`corrupt or truncated gzip data (${why})`, file);
    }
  } else if (file.toLowerCase().endsWith('.gz')) {
    throw new LabelWarpError('has a .gz name but is not gzip-compressed', file);
  }
  const h = inspectNiftiHeader(bytes);
  if (typeof h === 'string') throw new LabelWarpError(h, file);
  if (h.pairedFile) throw new LabelWarpError('is a NIfTI header with a separate .img file; use a single-file .nii/.nii.gz', file);
  checkDimensionality(file, kind, h.ndim, h.dims);
  const need = Math.ceil(h.voxOffset) + niftiDataBytes(h);
  if (bytes.length < need) {
    throw new LabelWarpError(`truncated: the header promises ${need} bytes, the file holds ${bytes.length}`, file);
  }
  // ITK's NIfTI reader silently turns NaN and ±Inf into 0, so count them here, before it does.
  if (kind !== 'labels') {
    const bad = countNonFiniteRaw(bytes, h.voxOffset, niftiDataBytes(h), h.datatype, h.littleEndian);
    if (bad > 0) throw new LabelWarpError(`contains ${bad} NaN or infinite voxel values`, file);
  }
}

/** Non-finite values in raw float32 (datatype 16) or float64 (64) NIfTI data. */
function countNonFiniteRaw(bytes: Uint8Array, offset: number, length: number, datatype: number, littleEndian: boolean): number {
  const size = datatype === 16 ? 4 : datatype === 64 ? 8 : 0;
  if (size === 0) return 0;
  const view = new DataView(bytes.buffer, bytes.byteOffset + Math.ceil(offset), length);
  let bad = 0;
  for (let o = 0; o + size <= length; o += size) {
    const v = size === 4 ? view.getFloat32(o, littleEndian) : view.getFloat64(o, littleEndian);
    if (!Number.isFinite(v)) bad++;
  }
  return bad;
}

function checkDimensionality(file: string, kind: VolumeKind, ndim: number, dims: number[]): void {
  if (ndim < 3 || dims[0] < 1 || dims[1] < 1 || dims[2] < 1) {
    throw new LabelWarpError(`is ${ndim}-dimensional (${dims.slice(0, Math.max(ndim, 1)).join('×')}); a 3D volume is expected`, file);
  }
  const extra = dims.slice(3, Math.min(ndim, 7)).reduce((a, b) => a * Math.max(1, b), 1);
  if (kind === 'vector') {
    if (extra !== 3) throw new LabelWarpError(`holds ${extra} values per voxel; a 3-vector field is expected`, file);
  } else if (extra > 1) {
    throw new LabelWarpError(
      `is a ${ndim}D volume (${dims.slice(0, ndim).join('×')}); a 3D ${kind === 'labels' ? 'label map' : 'image'} is expected`,
      file,
    );
  }
  const voxels = dims[0] * dims[1] * dims[2] * extra;
  if (voxels > MAX_VOXELS) {
    throw new LabelWarpError(`is too large (${dims.slice(0, 3).join('×')}); at most ${MAX_VOXELS} voxels are supported`, file);
  }
}

function imageToVolume(image: Image, file: string, kind: VolumeKind): Volume {
  const dim = image.imageType.dimension;
  const size = [...image.size];
  let components = image.imageType.components;
  if (dim === 4 && size[3] === 1) size.pop();
  else if (dim === 4 && kind === 'vector' && size[3] === 3 && components === 1) components = 3;
  if (size.length !== 3) checkDimensionality(file, kind, size.length, [...size, 1, 1, 1, 1].slice(0, 7));
  checkDimensionality(file, kind, 4, [size[0], size[1], size[2], components, 1, 1, 1]);
  if (kind !== 'vector' && components !== 1) {
    throw new LabelWarpError(
      `has ${components} components per voxel; a scalar ${kind === 'labels' ? 'label map' : 'image'} is expected`,
      file,
    );
  }
  if (!image.data) throw new LabelWarpError('holds no voxel data', file);
  const dims: Vec3 = [size[0], size[1], size[2]];
  const spacing = image.spacing.slice(0, 3) as Vec3;
  const origin = image.origin.slice(0, 3) as Vec3;
  const d = Array.from(image.direction as ArrayLike<number | bigint>, Number);
  const stride = dim; // direction is dim×dim row-major
  const direction: Mat3 = [d[0], d[1], d[2], d[stride], d[stride + 1], d[stride + 2], d[2 * stride], d[2 * stride + 1], d[2 * stride + 2]];
  if (spacing.some((s) => !(s > 0) || !Number.isFinite(s)))
    throw new LabelWarpError(`has invalid voxel spacing ${spacing.join(', ')}`, file);
  let data = image.data as VoxelArray;
  const expected = dims[0] * dims[1] * dims[2] * components;
  if (data.length < expected) throw new LabelWarpError(`holds ${data.length} values, its size needs ${expected}`, file);
  if (data.length > expected) data = data.subarray(0, expected) as VoxelArray;

  if (kind === 'labels') data = toLabelArray(data, file);
  else {
    const bad = countNonFinite(data);
    if (bad > 0) throw new LabelWarpError(`contains ${bad} NaN or infinite voxel values`, file);
  }
  return { dims, spacing, origin, direction, data, components };
}

function countNonFinite(data: VoxelArray): number {
  if (!(data instanceof Float32Array || data instanceof Float64Array)) return 0;
  let bad = 0;
  for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i])) bad++;
  return bad;
}

/** Label maps are integer, non-negative; returned as Int32Array. */
function toLabelArray(data: VoxelArray, file: string): Int32Array {
  const out = new Int32Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (!Number.isFinite(v) || v !== Math.round(v)) {
      throw new LabelWarpError(`is not a label map: voxel ${i} holds the non-integer value ${v}`, file);
    }
    if (v < 0) throw new LabelWarpError(`is not a label map: voxel ${i} holds the negative value ${v}`, file);
    out[i] = v;
  }
  return out;
}

const COMPONENT_TYPES = new Map<unknown, string>([
  [Float32Array, 'float32'],
  [Float64Array, 'float64'],
  [Uint8Array, 'uint8'],
  [Int8Array, 'int8'],
  [Uint16Array, 'uint16'],
  [Int16Array, 'int16'],
  [Uint32Array, 'uint32'],
  [Int32Array, 'int32'],
]);

/** Smallest unsigned integer array for a label map. */
export function compactLabels(data: ArrayLike<number>): Uint8Array | Uint16Array | Int32Array {
  let max = 0;
  for (let i = 0; i < data.length; i++) if (data[i] > max) max = data[i];
  if (max <= 255) return Uint8Array.from(data);
  if (max <= 65535) return Uint16Array.from(data);
  return Int32Array.from(data);
}

export function volumeToImage(vol: Volume, name = 'image'): Image {
  const componentType = COMPONENT_TYPES.get(vol.data.constructor);
  if (!componentType) throw new Error('unsupported voxel array type');
  return {
    imageType: {
      dimension: 3,
      componentType,
      pixelType: vol.components === 1 ? 'Scalar' : 'Vector',
      components: vol.components,
    },
    name,
    origin: [...vol.origin],
    spacing: [...vol.spacing],
    direction: Float64Array.from(vol.direction),
    size: [...vol.dims],
    metadata: new Map(),
    data: vol.data,
  } as unknown as Image;
}

/** Writes a volume atomically (temporary name, then rename); the format follows the extension. */
export async function writeVolume(file: string, vol: Volume): Promise<void> {
  if (!isSupportedVolumeFile(file)) {
    throw new LabelWarpError(`cannot write this file type; use one of ${SUPPORTED_EXTENSIONS.join(', ')}`, file);
  }
  const image = volumeToImage(vol, path.basename(file));
  await writeAtomically(file, async (tmp) => {
    try {
      await writeImageNode(image, tmp, { useCompression: true });
    } catch (err) {
      const why = err instanceof Error ? err.message.split('\n')[0] : String(err);
      throw new LabelWarpError(`could not be written (${why})`, file);
    }
  });
}
