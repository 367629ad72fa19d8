/**
 * The template's supervoxel layers: SLIC (slic.ts) inside a dilated foreground mask, repeated for
 * `layers` initialisations so that each voxel is identified by a tuple of supervoxels. Each layer
 * starts from the seed lattice moved by a small random affine (rotation, scaling and shift drawn
 * from one seeded generator, about the volume's centre): the same as running SLIC on the affinely
 * transformed template, without resampling it. Also the supervoxel centres (the keypoints).
 */
import type { Vec3, Volume } from '../../volume/volume.js';
import { normalizeRobust } from '../../kernels/intensity.js';
import { percentiles } from '../../kernels/intensity.js';
import { mulberry32 } from '../../util/random.js';
import { supervoxelLayer } from './slic.js';

export interface SupervoxelSettings {
  layers: number;
  /** Foreground supervoxels per layer (labels 1…count; 0 is background). */
  count: number;
  /** SLIC seeds before merging. */
  seeds: number;
  compactness: number;
  iterations: number;
  /** Dilation of the foreground mask, mm. */
  maskDilationMm: number;
  /** Spread of the random affines (rotation radians, relative scale, shift in lattice steps). */
  jitter: number;
  seed: number;
}

export const DEFAULT_SUPERVOXELS: SupervoxelSettings = {
  layers: 16,
  count: 127,
  seeds: 208,
  compactness: 0.15,
  iterations: 5,
  maskDilationMm: 8,
  jitter: 0.07,
  seed: 1,
};

export interface TemplateSupervoxels {
  dims: Vec3;
  layers: number;
  count: number;
  /** layers × voxels, labels 0…count (layer-major). */
  labels: Uint8Array;
}

/** Squared-distance dilation of a mask by r mm (brute force over a ball; masks here are small). */
export function dilateMask(mask: Uint8Array, dims: Vec3, spacing: Vec3, rMm: number): Uint8Array {
  const [nx, ny, nz] = dims;
  const ri = spacing.map((s) => Math.floor(rMm / s));
  const offsets: number[][] = [];
  for (let c = -ri[2]; c <= ri[2]; c++)
    for (let b = -ri[1]; b <= ri[1]; b++)
      for (let a = -ri[0]; a <= ri[0]; a++)
        if ((a * spacing[0]) ** 2 + (b * spacing[1]) ** 2 + (c * spacing[2]) ** 2 <= rMm * rMm) offsets.push([a, b, c]);
  const out = new Uint8Array(mask.length);
  // Only boundary voxels of the mask spread (inner ones are covered by them).
  for (let k = 0, v = 0; k < nz; k++)
    for (let j = 0; j < ny; j++)
      for (let i = 0; i < nx; i++, v++) {
        if (!mask[v]) continue;
        out[v] = 1;
        const inner =
          i > 0 && i < nx - 1 && j > 0 && j < ny - 1 && k > 0 && k < nz - 1 && mask[v - 1] && mask[v + 1] && mask[v - nx] && mask[v + nx];
        if (inner && mask[v - nx * ny] && mask[v + nx * ny]) continue;
        for (const [a, b, c] of offsets) {
          const x = i + a;
          const y = j + b;
          const z = k + c;
          if (x >= 0 && y >= 0 && z >= 0 && x < nx && y < ny && z < nz) out[x + nx * (y + ny * z)] = 1;
        }
      }
  return out;
}

/**
 * The foreground: the template's labels where given, else voxels above the 20th intensity
 * percentile (a rough body mask for CT and MRI), dilated by `maskDilationMm`.
 */
export function foregroundMask(image: Volume, labels: Volume | undefined, dilationMm: number): Uint8Array {
  const n = image.data.length;
  const mask = new Uint8Array(n);
  if (labels && labels.data.some((l) => l !== 0)) for (let v = 0; v < n; v++) mask[v] = labels.data[v] !== 0 ? 1 : 0;
  else {
    const [t] = percentiles(image.data, [20]);
    for (let v = 0; v < n; v++) mask[v] = image.data[v] > t ? 1 : 0;
  }
  return dilationMm > 0 ? dilateMask(mask, image.dims, image.spacing, dilationMm) : mask;
}

/** A small random affine about `centre` (voxels): p ↦ centre + (I + E)(p − centre) + t. */
function randomAffine(rand: () => number, centre: Vec3, jitter: number, shift: Vec3): (p: Vec3) => Vec3 {
  const g = () => {
    // Normal deviate (Box–Muller) from the seeded generator.
    const u = Math.max(rand(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
  };
  const e = Array.from({ length: 9 }, () => g() * jitter);
  const t = shift.map((s) => (rand() - 0.5) * s) as Vec3;
  return ([x, y, z]) => {
    const d = [x - centre[0], y - centre[1], z - centre[2]];
    return [0, 1, 2].map((r) => centre[r] + d[r] + e[3 * r] * d[0] + e[3 * r + 1] * d[1] + e[3 * r + 2] * d[2] + t[r]) as Vec3;
  };
}

export function templateSupervoxels(
  image: Volume,
  labels: Volume | undefined,
  s: SupervoxelSettings = DEFAULT_SUPERVOXELS,
): TemplateSupervoxels {
  if (s.count > 255) throw new Error('at most 255 supervoxels per layer');
  const norm = normalizeRobust(image.data);
  const mask = foregroundMask(image, labels, s.maskDilationMm);
  const n = norm.length;
  const out = new Uint8Array(s.layers * n);
  const rand = mulberry32(s.seed);
  const centre = image.dims.map((d) => (d - 1) / 2) as Vec3;
  let masked = 0;
  for (let v = 0; v < n; v++) masked += mask[v];
  const stepMm = Math.cbrt((masked * image.spacing[0] * image.spacing[1] * image.spacing[2]) / s.seeds);
  const shift = image.spacing.map((sp) => stepMm / sp) as Vec3;
  for (let l = 0; l < s.layers; l++) {
    // Layer 0 uses the plain lattice; the others a random affine of it.
    const seedMap = l === 0 ? undefined : randomAffine(rand, centre, s.jitter, shift);
    const layer = supervoxelLayer(norm, mask, image.dims, image.spacing, {
      seeds: s.seeds,
      count: s.count,
      compactness: s.compactness,
      iterations: s.iterations,
      seedMap,
    });
    for (let v = 0; v < n; v++) out[l * n + v] = layer[v];
  }
  return { dims: [...image.dims] as Vec3, layers: s.layers, count: s.count, labels: out };
}

/**
 * Centres (voxel coordinates x, y, z) of supervoxels 1…count of every layer, layers × count × 3,
 * computed from label maps on any grid (layer-major labels, `dims`). A supervoxel absent from
 * the map gets NaN.
 */
export function supervoxelCentres(labels: Uint8Array, dims: Vec3, layers: number, count: number): Float32Array {
  const [nx, ny, nz] = dims;
  const n = nx * ny * nz;
  const sum = new Float64Array(layers * count * 4);
  for (let l = 0; l < layers; l++)
    for (let k = 0, v = 0; k < nz; k++)
      for (let j = 0; j < ny; j++)
        for (let i = 0; i < nx; i++, v++) {
          const c = labels[l * n + v];
          if (c === 0) continue;
          const b = 4 * (l * count + c - 1);
          sum[b] += i;
          sum[b + 1] += j;
          sum[b + 2] += k;
          sum[b + 3]++;
        }
  const out = new Float32Array(layers * count * 3);
  for (let p = 0; p < layers * count; p++) {
    const w = sum[4 * p + 3];
    for (let a = 0; a < 3; a++) out[3 * p + a] = w > 0 ? sum[4 * p + a] / w : NaN;
  }
  return out;
}
