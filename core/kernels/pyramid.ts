/** Image pyramids and centre of mass, on typed arrays. */
import { gridOf, indexToWorld, indexToWorldMatrix, voxelCount } from '../volume/volume.js';
import type { Grid, Vec3, Volume } from '../volume/volume.js';

/** Per-axis halving factors: an axis is halved when it has at least 2·minSize voxels. */
export function halvingFactors(dims: Vec3, minSize = 8): Vec3 {
  return dims.map((d) => (d >= 2 * minSize ? 2 : 1)) as Vec3;
}

/**
 * Block-averages a multi-channel volume (channel fastest) by per-axis integer factors. The new
 * grid covers the same physical region: its voxel centres sit at the centres of the blocks.
 */
export function blockAverage(data: Float32Array, grid: Grid, channels: number, f: Vec3): { grid: Grid; data: Float32Array } {
  const pooled = blockGrid(grid, f);
  const out = new Float32Array(voxelCount(pooled) * channels);
  blockAverageSlices(data, grid.dims, channels, f, 0, pooled.dims[2], out);
  return { grid: pooled, data: out };
}

/** The grid blockAverage gives: the same physical region, voxel centres at the blocks' centres. */
export function blockGrid(grid: Grid, f: Vec3): Grid {
  const g = gridOf(grid);
  return {
    dims: blockDims(grid.dims, f),
    spacing: [g.spacing[0] * f[0], g.spacing[1] * f[1], g.spacing[2] * f[2]],
    origin: indexToWorld(g, [(f[0] - 1) / 2, (f[1] - 1) / 2, (f[2] - 1) / 2]),
    direction: g.direction,
  };
}

/** The grid size blockAverage gives (a last incomplete block along an axis is dropped). */
export function blockDims(dims: Vec3, f: Vec3): Vec3 {
  return [0, 1, 2].map((a) => Math.max(1, Math.floor(dims[a] / f[a]))) as Vec3;
}

/**
 * Output slices k0 … k1−1 of blockAverage (they read input slices k0·f_z … k1·f_z − 1) written
 * into `out`, the whole output's array; the same sums in the same order.
 */
export function blockAverageSlices(
  data: Float32Array,
  dims: Vec3,
  channels: number,
  f: Vec3,
  k0: number,
  k1: number,
  out: Float32Array,
): void {
  const [nx, ny] = dims;
  const [mx, my] = blockDims(dims, f);
  const C = channels;
  const inv = 1 / (f[0] * f[1] * f[2]);
  out.fill(0, mx * my * k0 * C, mx * my * k1 * C);
  let o = mx * my * k0 * C;
  for (let k = k0; k < k1; k++)
    for (let j = 0; j < my; j++)
      for (let i = 0; i < mx; i++, o += C) {
        for (let dz = 0; dz < f[2]; dz++)
          for (let dy = 0; dy < f[1]; dy++)
            for (let dx = 0; dx < f[0]; dx++) {
              const src = (i * f[0] + dx + nx * (j * f[1] + dy + ny * (k * f[2] + dz))) * C;
              for (let c = 0; c < C; c++) out[o + c] += data[src + c];
            }
        for (let c = 0; c < C; c++) out[o + c] *= inv;
      }
}

/** The smallest axis size the pyramid halves by default (an axis needs 2 · this to be halved). */
export const PYRAMID_MIN_SIZE = 8;

/** Halves the resolution by 2×2×2 block averaging along every axis with at least 2·minSize voxels. */
export function downsample2(vol: Volume<Float32Array>, minSize = PYRAMID_MIN_SIZE): Volume<Float32Array> {
  const r = blockAverage(vol.data, vol, 1, halvingFactors(vol.dims, minSize));
  return { ...r.grid, data: r.data, components: 1 };
}

/** Pyramid from coarse to fine with `levels` levels (the last one is `vol` itself). */
export function buildPyramid(vol: Volume<Float32Array>, levels: number, minSize = PYRAMID_MIN_SIZE): Volume<Float32Array>[] {
  const out = [vol];
  while (out.length < levels) out.unshift(downsample2(out[0], minSize));
  return out;
}

/** World (LPS mm) centre of mass of the intensities above `threshold` (weights = value − threshold). */
export function centreOfMassWorld(grid: Grid, data: ArrayLike<number>, threshold = 0): Vec3 {
  const [nx, ny, nz] = grid.dims;
  let sw = 0;
  let si = 0;
  let sj = 0;
  let sk = 0;
  let v = 0;
  for (let k = 0; k < nz; k++)
    for (let j = 0; j < ny; j++)
      for (let i = 0; i < nx; i++, v++) {
        const w = data[v] - threshold;
        if (w <= 0) continue;
        sw += w;
        si += w * i;
        sj += w * j;
        sk += w * k;
      }
  const m = indexToWorldMatrix(grid);
  const idx: Vec3 = sw > 0 ? [si / sw, sj / sw, sk / sw] : [(nx - 1) / 2, (ny - 1) / 2, (nz - 1) / 2];
  return [
    m[0] * idx[0] + m[1] * idx[1] + m[2] * idx[2] + m[3],
    m[4] * idx[0] + m[5] * idx[1] + m[6] * idx[2] + m[7],
    m[8] * idx[0] + m[9] * idx[1] + m[10] * idx[2] + m[11],
  ];
}
