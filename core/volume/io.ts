import { constants as fsConstants, promises as fs } from 'node:fs';
import path from 'node:path';
import type { Image } from 'itk-wasm';
import { LabelWarpError } from '../util/errors.js';
import { writeAtomically } from '../util/atomic.js';
import { checkNifti, checkNiftiHeader, isNiftiFile } from './nifti-check.js';
import { nifti2Grid, niftiScalarVolume } from './nifti-volume.js';
import type { NiftiSummary } from './nifti-header.js';
import { itkFailureReason, quietItk } from './itk-quiet.js';
import { looksLikeDicomFolder, readDicomSeriesImage } from './dicom-series.js';
import { checkDimensionality } from './volume-kind.js';
import { checkTextHeaderSize, hasTextHeader } from './text-header-check.js';
import type { VolumeKind } from './volume-kind.js';
import { gridOf } from './volume.js';
import type { Grid, Mat3, Vec3, Volume, VoxelArray } from './volume.js';

export type { VolumeKind } from './volume-kind.js';

export const SUPPORTED_EXTENSIONS = ['.nii.gz', '.nii', '.nrrd', '.nhdr', '.mha', '.mhd'];

export function isSupportedVolumeFile(file: string): boolean {
  const lower = file.toLowerCase();
  return SUPPORTED_EXTENSIONS.some((e) => lower.endsWith(e));
}

/** Largest label value: label maps are held as Int32Array. */
export const MAX_LABEL = 2 ** 31 - 1;

export interface VolumeRead {
  volume: Volume;
  /** What the reader had to assume, in plain words naming the file (e.g. no qform/sform). */
  warnings: string[];
  /** True when the file's position and orientation were not stored and had to be guessed. */
  geometryGuessed: boolean;
}

/**
 * Reads a 3D volume (NIfTI .nii/.nii.gz, NRRD, MetaImage, or a DICOM series folder) into the
 * LabelWarp volume record, with geometry in LPS millimetres. Scaling slope/intercept are applied
 * (images become float32); qform/sform are resolved by ITK. Every problem is a LabelWarpError
 * naming the file.
 */
export async function readVolume(file: string, kind: VolumeKind = 'image'): Promise<Volume> {
  return (await readVolumeWithWarnings(file, kind)).volume;
}

/** ITK-Wasm's image readers and writers, loaded on first use (a run reading only NIfTI never needs them). */
function itkImageIo(): Promise<typeof import('@itk-wasm/image-io')> {
  return import('@itk-wasm/image-io');
}

/** A file's real path after the checks every read makes (exists, readable, a supported kind). */
async function openable(file: string): Promise<{ real: string; folder: boolean }> {
  let stat;
  let real: string;
  try {
    stat = await fs.stat(file);
    // ITK-Wasm mounts the file's own folder: a symbolic link must be resolved to its target first.
    real = await fs.realpath(file);
  } catch {
    throw new LabelWarpError('file not found', file);
  }
  try {
    await fs.access(real, fsConstants.R_OK);
  } catch {
    throw new LabelWarpError('cannot be read (permission denied)', file);
  }
  if (stat.isDirectory()) {
    if (!(await looksLikeDicomFolder(real))) throw new LabelWarpError('is a folder but not a DICOM series', file);
    return { real, folder: true };
  }
  if (!stat.isFile()) throw new LabelWarpError('is not a file', file);
  if (!isSupportedVolumeFile(file)) {
    throw new LabelWarpError(`unsupported file type; expected one of ${SUPPORTED_EXTENSIONS.join(', ')}, or a DICOM series folder`, file);
  }
  if (hasTextHeader(file)) await checkTextHeaderSize(real).catch(renameError(real, file));
  return { real, folder: false };
}

/** readVolume, with what the reader had to assume. */
export async function readVolumeWithWarnings(file: string, kind: VolumeKind = 'image'): Promise<VolumeRead> {
  const { real, folder } = await openable(file);
  if (folder) {
    const image = await readDicomSeriesImage(real).catch(renameError(real, file));
    return { volume: imageToVolume(image, file, kind), warnings: [], geometryGuessed: false };
  }
  const nifti = isNiftiFile(file) ? await checkNifti(real, kind).catch(renameError(real, file)) : undefined;
  const guess = nifti?.geometryGuess;
  // Most NIfTI files are built from the bytes just checked (nifti-volume.ts: the grid as ITK reads
  // it); the others, and every other format, are read by ITK.
  const direct = kind !== 'vector' && nifti?.bytes ? niftiScalarVolume(nifti.header, nifti.bytes) : undefined;
  if (direct) {
    const { dims, spacing, origin, direction } = direct;
    checkGeometry(file, spacing, origin, direction);
    // Non-finite stored values were refused by checkNifti; scaling can still overflow float32.
    const bad = kind !== 'labels' && direct.rescaled ? countNonFinite(direct.data) : 0;
    if (bad > 0) throw new LabelWarpError(`contains ${bad} NaN or infinite voxel values`, file);
    const data = kind === 'labels' ? toLabelArray(direct.data, file) : direct.data;
    return { volume: { dims, spacing, origin, direction, data, components: 1 }, warnings: [], geometryGuessed: false };
  }
  // ITK reads no NIfTI-2: a file not read above is refused with the reason.
  if (nifti?.header.version === 2) throw new LabelWarpError(nifti2Reason(nifti.header), file);

  let image: Image;
  try {
    const { readImageNode } = await itkImageIo();
    image = (await quietItk(() => readImageNode(real))) as Image;
  } catch (err) {
    throw new LabelWarpError(`could not be read as an image (${itkFailureReason(err)})`, file);
  }
  return { volume: imageToVolume(image, file, kind), warnings: guess ? [`${file} ${guess}`] : [], geometryGuessed: Boolean(guess) };
}

export interface VolumeHeader {
  grid: Grid;
  warnings: string[];
  geometryGuessed: boolean;
}

/**
 * A volume's grid (size, spacing, position, orientation) from its header alone, without decoding
 * its voxels (ITK-Wasm's information-only read; a NIfTI's header is checked as readVolume checks
 * it). The voxels are checked when the volume is read. A DICOM series folder is read whole.
 */
export async function readVolumeHeader(file: string, kind: VolumeKind = 'image'): Promise<VolumeHeader> {
  const { real, folder } = await openable(file);
  if (folder) {
    const { volume, warnings, geometryGuessed } = await readVolumeWithWarnings(file, kind);
    return { grid: gridOf(volume), warnings, geometryGuessed };
  }
  const checked = isNiftiFile(file) ? await checkNiftiHeader(real, kind).catch(renameError(real, file)) : undefined;
  if (checked?.header.version === 2) {
    // ITK reads no NIfTI-2: the grid as readVolume builds it.
    const grid = nifti2Grid(checked.header);
    if (typeof grid === 'string') throw new LabelWarpError(grid, file);
    checkGeometry(file, grid.spacing, grid.origin, grid.direction);
    return { grid, warnings: [], geometryGuessed: false };
  }
  const guess = checked?.geometryGuess;
  let image: Image;
  try {
    const { readImageNode } = await itkImageIo();
    image = (await quietItk(() => readImageNode(real, { informationOnly: true }))) as Image;
  } catch (err) {
    throw new LabelWarpError(`could not be read as an image (${itkFailureReason(err)})`, file);
  }
  const { dims, spacing, origin, direction } = imageGeometry(image, file, kind);
  return { grid: { dims, spacing, origin, direction }, warnings: guess ? [`${file} ${guess}`] : [], geometryGuessed: Boolean(guess) };
}

/** Why a NIfTI-2 file was not read (ITK reads none; nifti-volume.ts reads the plain ones). */
function nifti2Reason(h: NiftiSummary): string {
  const grid = nifti2Grid(h);
  return typeof grid === 'string' ? grid : 'is a NIfTI-2 file LabelWarp cannot read as a scalar volume (ITK reads no NIfTI-2)';
}

/** Errors about the resolved path are reported under the name the user gave. */
function renameError(real: string, file: string): (err: unknown) => never {
  return (err: unknown) => {
    if (err instanceof LabelWarpError && err.file === real) throw new LabelWarpError(err.message.slice(real.length + 2), file);
    throw err;
  };
}

/** Size, spacing, position and orientation of an ITK image (the header's part of imageToVolume). */
function imageGeometry(image: Image, file: string, kind: VolumeKind): Grid & { components: number } {
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
  const dims: Vec3 = [size[0], size[1], size[2]];
  const spacing = image.spacing.slice(0, 3) as Vec3;
  const origin = image.origin.slice(0, 3) as Vec3;
  const d = Array.from(image.direction as ArrayLike<number | bigint>, Number);
  const stride = dim; // direction is dim×dim row-major
  const direction: Mat3 = [d[0], d[1], d[2], d[stride], d[stride + 1], d[stride + 2], d[2 * stride], d[2 * stride + 1], d[2 * stride + 2]];
  checkGeometry(file, spacing, origin, direction);
  return { dims, spacing, origin, direction, components };
}

function imageToVolume(image: Image, file: string, kind: VolumeKind): Volume {
  const { dims, spacing, origin, direction, components } = imageGeometry(image, file, kind);
  if (!image.data) throw new LabelWarpError('holds no voxel data', file);
  if (image.data instanceof BigInt64Array || image.data instanceof BigUint64Array) {
    throw new LabelWarpError('holds 64-bit integer voxels; convert it to int32 or float', file);
  }
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

/** Spacing positive, origin finite, direction a finite non-singular matrix. */
function checkGeometry(file: string, spacing: Vec3, origin: Vec3, direction: Mat3): void {
  if (spacing.length < 3 || spacing.some((s) => !(s > 0) || !Number.isFinite(s)))
    throw new LabelWarpError(`has invalid voxel spacing ${spacing.join(', ')}`, file);
  if (origin.length < 3 || origin.some((o) => !Number.isFinite(o)))
    throw new LabelWarpError(`has an invalid origin (${origin.join(', ')})`, file);
  const [a, b, c, e, f, g, h, i, j] = direction;
  const det = a * (f * j - g * i) - b * (e * j - g * h) + c * (e * i - f * h);
  if (direction.some((v) => !Number.isFinite(v)) || !(Math.abs(det) > 1e-6)) {
    throw new LabelWarpError('has an invalid orientation (its direction matrix is not a rotation)', file);
  }
}

function countNonFinite(data: VoxelArray): number {
  if (!(data instanceof Float32Array || data instanceof Float64Array)) return 0;
  let bad = 0;
  for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i])) bad++;
  return bad;
}

/** Label maps are whole numbers from 0 to MAX_LABEL; returned as Int32Array (values kept exactly). */
function toLabelArray(data: VoxelArray, file: string): Int32Array {
  const out = new Int32Array(data.length);
  // 8- and 16-bit unsigned voxels are always whole, non-negative and within range: copied as they are.
  if (data instanceof Uint8Array || data instanceof Uint16Array) {
    out.set(data);
    return out;
  }
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (!Number.isFinite(v)) throw new LabelWarpError(`is not a label map: voxel ${i} holds ${v}`, file);
    if (v !== Math.round(v)) throw new LabelWarpError(`is not a label map: voxel ${i} holds the non-integer value ${v}`, file);
    if (v < 0) throw new LabelWarpError(`is not a label map: voxel ${i} holds the negative value ${v}`, file);
    if (v > MAX_LABEL) throw new LabelWarpError(`voxel ${i} holds the label ${v}; labels above ${MAX_LABEL} are not supported`, file);
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
      const { writeImageNode } = await itkImageIo();
      await writeImageNode(image, tmp, { useCompression: true });
    } catch (err) {
      const why = err instanceof Error ? err.message.split('\n')[0] : String(err);
      throw new LabelWarpError(`could not be written (${why})`, file);
    }
  });
}
