/**
 * Conversion of LabelWarp volumes (core/ipc/contract VolumePayload) into Cornerstone3D local
 * volumes, and the derived review layers computed here (label outlines, checkerboard, difference).
 */
import { volumeLoader, cache } from '@cornerstonejs/core';
import type { VolumePayload } from '../../../core/ipc/contract';

/** Cornerstone's direction: the unit vectors of the i, j, k axes one after another. */
export function cornerstoneDirection(rowMajor: number[]): number[] {
  const d = rowMajor;
  return [d[0], d[3], d[6], d[1], d[4], d[7], d[2], d[5], d[8]];
}

/** Volume ids name their content (scan, layer, version), so a cached volume is reused as it is. */
export function createVolume(volumeId: string, v: VolumePayload, values: Float32Array | Uint16Array = v.data): void {
  if (cache.getVolume(volumeId)) return;
  const direction = cornerstoneDirection(v.direction);
  // Float textures everywhere: 16-bit integer textures need a WebGL extension that software
  // renderers (and some laptops) lack.
  const data = values instanceof Float32Array ? values : Float32Array.from(values);
  const bits = 32;
  const volume = volumeLoader.createLocalVolume(volumeId, {
    scalarData: data,
    dimensions: v.dims,
    spacing: v.spacing,
    origin: v.origin,
    direction: direction as never,
    metadata: {
      BitsAllocated: bits,
      BitsStored: bits,
      SamplesPerPixel: 1,
      HighBit: bits - 1,
      PhotometricInterpretation: 'MONOCHROME2',
      PixelRepresentation: 0,
      ImageOrientationPatient: direction.slice(0, 6),
      PixelSpacing: [v.spacing[0], v.spacing[1]],
      Columns: v.dims[0],
      Rows: v.dims[1],
      voiLut: [],
      FrameOfReferenceUID: 'labelwarp-scan',
      Modality: 'MR',
      VOILUTFunction: 'LINEAR',
    } as never,
  } as never);
  // Mark every slice as new so the GPU texture is filled from the data.
  (volume as unknown as { invalidate?: () => void }).invalidate?.();
}

export function percentileRange(data: ArrayLike<number>, lo = 0.01, hi = 0.995): [number, number] {
  const step = Math.max(1, Math.floor(data.length / 200000));
  const sample: number[] = [];
  for (let i = 0; i < data.length; i += step) sample.push(data[i]);
  sample.sort((a, b) => a - b);
  const a = sample[Math.floor(lo * (sample.length - 1))];
  const b = sample[Math.floor(hi * (sample.length - 1))];
  return [a, b > a ? b : a + 1];
}

/** Boundary voxels of each label (a 6-neighbour with another value), else 0. */
export function outline(v: VolumePayload): Uint16Array {
  const [nx, ny, nz] = v.dims;
  const d = v.data as Uint16Array;
  const out = new Uint16Array(d.length);
  let i = 0;
  for (let z = 0; z < nz; z++)
    for (let y = 0; y < ny; y++)
      for (let x = 0; x < nx; x++, i++) {
        const l = d[i];
        if (l === 0) continue;
        if (
          (x > 0 && d[i - 1] !== l) ||
          (x < nx - 1 && d[i + 1] !== l) ||
          (y > 0 && d[i - nx] !== l) ||
          (y < ny - 1 && d[i + nx] !== l) ||
          (z > 0 && d[i - nx * ny] !== l) ||
          (z < nz - 1 && d[i + nx * ny] !== l)
        )
          out[i] = l;
      }
  return out;
}

function normalised(v: VolumePayload): Float32Array {
  const [a, b] = percentileRange(v.data);
  return Float32Array.from(v.data, (x) => Math.min(1, Math.max(0, (x - a) / (b - a))));
}

/** Alternating 3D blocks of the scan and the warped template (both normalised to [0, 1]). */
export function checkerboard(scan: VolumePayload, warped: VolumePayload, block = 12): Float32Array {
  const a = normalised(scan);
  const b = normalised(warped);
  const [nx, ny] = scan.dims;
  return a.map((x, i) => {
    const ix = Math.floor((i % nx) / block);
    const iy = Math.floor(Math.floor(i / nx) % ny / block);
    const iz = Math.floor(Math.floor(i / (nx * ny)) / block);
    return (ix + iy + iz) % 2 === 0 ? x : b[i];
  });
}

/** |scan − warped template| after normalising both to [0, 1]. */
export function difference(scan: VolumePayload, warped: VolumePayload): Float32Array {
  const a = normalised(scan);
  const b = normalised(warped);
  return a.map((x, i) => Math.abs(x - b[i]));
}

/** A label map as a Cornerstone labelmap volume (8-bit when the labels allow, else 16-bit). */
export function createLabelmapVolume(volumeId: string, v: VolumePayload, values: Uint16Array = v.data as Uint16Array): void {
  if (cache.getVolume(volumeId)) return;
  let max = 0;
  for (let i = 0; i < values.length; i++) if (values[i] > max) max = values[i];
  const data = max <= 255 ? Uint8Array.from(values) : values;
  const direction = cornerstoneDirection(v.direction);
  const volume = volumeLoader.createLocalLabelmapVolume(
    {
      scalarData: data,
      dimensions: v.dims,
      spacing: v.spacing,
      origin: v.origin,
      direction: direction as never,
      metadata: { FrameOfReferenceUID: 'labelwarp-scan', Modality: 'SEG' } as never,
    } as never,
    volumeId,
  );
  (volume as unknown as { invalidate?: () => void }).invalidate?.();
}
