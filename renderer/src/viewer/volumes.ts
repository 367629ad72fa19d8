/**
 * Conversion of LabelWarp volumes (core/ipc/contract VolumePayload) into Cornerstone3D local
 * volumes, and the derived review layers computed here (grid lines per viewport, checkerboard,
 * difference), label centres and the initial view.
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

export function normalised(v: VolumePayload): Float32Array {
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

/** (1 − o)·scan + o·layer, the scan normalised to [0, 1] (how opaque a derived view is over the scan). */
export function blend(scan: Float32Array, layer: Float32Array, o: number): Float32Array {
  return scan.map((x, i) => (1 - o) * x + o * layer[i]);
}

/** |scan − warped template| after normalising both to [0, 1]. */
export function difference(scan: VolumePayload, warped: VolumePayload): Float32Array {
  const a = normalised(scan);
  const b = normalised(warped);
  return a.map((x, i) => Math.abs(x - b[i]));
}

/** A label map as a Cornerstone labelmap volume (8-bit when the labels allow, else 16-bit). */
export function createLabelmapVolume(volumeId: string, v: VolumePayload, values: Uint16Array | Uint8Array = v.data as Uint16Array): void {
  if (cache.getVolume(volumeId)) return;
  let max = 0;
  for (let i = 0; i < values.length; i++) if (values[i] > max) max = values[i];
  const data = max <= 255 && !(values instanceof Uint8Array) ? Uint8Array.from(values) : values;
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

/** World point (LPS mm) of a continuous voxel index. */
export function indexToWorld(v: VolumePayload, idx: readonly number[]): [number, number, number] {
  const d = v.direction;
  const s = [idx[0] * v.spacing[0], idx[1] * v.spacing[1], idx[2] * v.spacing[2]];
  return [0, 1, 2].map((r) => v.origin[r] + d[3 * r] * s[0] + d[3 * r + 1] * s[1] + d[3 * r + 2] * s[2]) as [number, number, number];
}

/** Nearest voxel index of a world point, or undefined outside the volume. */
export function worldToIndex(v: VolumePayload, w: readonly number[]): [number, number, number] | undefined {
  // origin + D·diag(spacing)·idx = w, D orthonormal: idx = diag(1/spacing)·Dᵀ(w − origin).
  const d = v.direction;
  const p = [w[0] - v.origin[0], w[1] - v.origin[1], w[2] - v.origin[2]];
  const idx = [0, 1, 2].map((c) => Math.round((d[c] * p[0] + d[3 + c] * p[1] + d[6 + c] * p[2]) / v.spacing[c]));
  return idx.some((x, a) => x < 0 || x >= v.dims[a]) ? undefined : (idx as [number, number, number]);
}

/** The world axis (0 = L–R, 1 = P–A, 2 = I–S) each voxel axis runs closest to. */
export function worldAxisOfIndexAxes(v: VolumePayload): [number, number, number] {
  const d = v.direction;
  return [0, 1, 2].map((c) => [0, 1, 2].reduce((best, r) => (Math.abs(d[3 * r + c]) > Math.abs(d[3 * best + c]) ? r : best), 0)) as [number, number, number];
}

/** World axis along each viewport's normal. */
export const VIEW_NORMAL_AXIS = { axial: 2, sagittal: 0, coronal: 1 } as const;

/** Voxel axis that is (closest to) a viewport's normal. */
export function normalIndexAxis(v: VolumePayload, view: keyof typeof VIEW_NORMAL_AXIS): number {
  return worldAxisOfIndexAxes(v).indexOf(VIEW_NORMAL_AXIS[view]);
}

/**
 * The deformation-grid layer as lines for one viewport: the grid layer keeps each family of
 * template planes in its own bit (core/pipeline/review-layers.ts); the family whose planes lie in
 * this viewport's slices (they would fill it) is left out. A family's planes are found from the
 * data: along their normal, a set voxel's neighbour is rarely set. Older results (0/1 only) are
 * shown as they are.
 */
export function gridLinesFor(grid: VolumePayload, normalAxis: number): Uint8Array {
  const d = grid.data;
  const [nx, ny] = grid.dims;
  const strides = [1, nx, nx * ny];
  let max = 0;
  for (let i = 0; i < d.length; i++) if (d[i] > max) max = d[i];
  const out = new Uint8Array(d.length);
  if (max <= 1) {
    for (let i = 0; i < d.length; i++) out[i] = d[i] ? 1 : 0;
    return out;
  }
  let keep = 0;
  for (const bit of [1, 2, 4]) {
    const along = [0, 0, 0];
    let n = 0;
    for (let i = 0; i < d.length - strides[2]; i += 7) {
      if (!(d[i] & bit)) continue;
      n++;
      for (let a = 0; a < 3; a++) if (d[i + strides[a]] & bit) along[a]++;
    }
    if (n === 0) continue;
    const planeNormal = along.indexOf(Math.min(...along));
    if (planeNormal !== normalAxis) keep |= bit;
  }
  for (let i = 0; i < d.length; i++) out[i] = d[i] & keep ? 1 : 0;
  return out;
}

/** The voxel of `label` nearest to the label's centroid (a point inside the label), as a world point. */
export function labelCentre(v: VolumePayload, label: number): [number, number, number] | undefined {
  const d = v.data;
  const [nx, ny] = v.dims;
  let n = 0;
  const sum = [0, 0, 0];
  for (let i = 0; i < d.length; i++) {
    if (d[i] !== label) continue;
    n++;
    sum[0] += i % nx;
    sum[1] += Math.floor(i / nx) % ny;
    sum[2] += Math.floor(i / (nx * ny));
  }
  if (!n) return undefined;
  const c = sum.map((s) => s / n);
  let best = -1;
  let bestD = Infinity;
  for (let i = 0; i < d.length; i++) {
    if (d[i] !== label) continue;
    const dx = (i % nx) - c[0];
    const dy = (Math.floor(i / nx) % ny) - c[1];
    const dz = Math.floor(i / (nx * ny)) - c[2];
    const dist = dx * dx + dy * dy + dz * dz;
    if (dist < bestD) {
      bestD = dist;
      best = i;
    }
  }
  return indexToWorld(v, [best % nx, Math.floor(best / nx) % ny, Math.floor(best / (nx * ny))]);
}

/** Labels present in a label map and their voxel counts. */
export function labelCounts(v: VolumePayload): Map<number, number> {
  const counts = new Map<number, number>();
  for (let i = 0; i < v.data.length; i++) {
    const l = v.data[i];
    if (l) counts.set(l, (counts.get(l) ?? 0) + 1);
  }
  return counts;
}

/**
 * Where to start looking: slices through the centroid of the labels (or of the head) and a zoom
 * that fits the head, the voxels brighter than a fifth of the 99th intensity percentile.
 */
export function initialView(scan: VolumePayload, labels?: VolumePayload): { centre: [number, number, number]; corners: [number, number, number][] } {
  const [nx, ny, nz] = scan.dims;
  const [, hi] = percentileRange(scan.data, 0.01, 0.99);
  const threshold = 0.2 * hi;
  const lo = [nx, ny, nz];
  const up = [-1, -1, -1];
  const sum = [0, 0, 0];
  let n = 0;
  const mask = labels?.data;
  let labelled = 0;
  const lsum = [0, 0, 0];
  let i = 0;
  for (let z = 0; z < nz; z++)
    for (let y = 0; y < ny; y++)
      for (let x = 0; x < nx; x++, i++) {
        if (mask && mask[i]) {
          labelled++;
          lsum[0] += x;
          lsum[1] += y;
          lsum[2] += z;
        }
        if (!(scan.data[i] > threshold)) continue;
        n++;
        sum[0] += x;
        sum[1] += y;
        sum[2] += z;
        const c = [x, y, z];
        for (let a = 0; a < 3; a++) {
          if (c[a] < lo[a]) lo[a] = c[a];
          if (c[a] > up[a]) up[a] = c[a];
        }
      }
  if (n === 0) {
    lo.splice(0, 3, 0, 0, 0);
    up.splice(0, 3, nx - 1, ny - 1, nz - 1);
  }
  const centreIdx = labelled ? lsum.map((s) => s / labelled) : n ? sum.map((s) => s / n) : [(nx - 1) / 2, (ny - 1) / 2, (nz - 1) / 2];
  const corners: [number, number, number][] = [];
  for (let c = 0; c < 8; c++) corners.push(indexToWorld(scan, [c & 1 ? up[0] : lo[0], c & 2 ? up[1] : lo[1], c & 4 ? up[2] : lo[2]]));
  // On a voxel centre: the slices shown are the volume's own (not between two).
  return { centre: indexToWorld(scan, centreIdx.map(Math.round)), corners };
}
