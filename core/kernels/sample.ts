/**
 * Point sampling of voxel arrays at continuous voxel-index coordinates (i fastest layout).
 * These are the inner loops of every resampling and warp kernel.
 */
import type { VoxelArray } from '../volume/volume.js';

/**
 * Trilinear interpolation where all eight corners lie inside the lattice: `b` the lowest corner's
 * index, (fx, fy, fz) the offsets from it. The one definition of these terms and their order
 * (trilinearAt and the template transfer use it).
 */
export function trilinearInterior(data: ArrayLike<number>, b: number, nx: number, nxy: number, fx: number, fy: number, fz: number): number {
  const gx = 1 - fx;
  const gy = 1 - fy;
  const gz = 1 - fz;
  let t = 0;
  t += gx * gy * gz * data[b];
  t += fx * gy * gz * data[b + 1];
  t += gx * fy * gz * data[b + nx];
  t += fx * fy * gz * data[b + nx + 1];
  t += gx * gy * fz * data[b + nxy];
  t += fx * gy * fz * data[b + nxy + 1];
  t += gx * fy * fz * data[b + nxy + nx];
  t += fx * fy * fz * data[b + nxy + nx + 1];
  return t;
}

/** Whether the eight corners of the cell whose lowest corner is `b` hold the same value (then it wins any label interpolation). */
export function cornersAgree(data: ArrayLike<number>, b: number, nx: number, nxy: number): boolean {
  const l = data[b];
  return (
    data[b + 1] === l &&
    data[b + nx] === l &&
    data[b + nx + 1] === l &&
    data[b + nxy] === l &&
    data[b + nxy + 1] === l &&
    data[b + nxy + nx] === l &&
    data[b + nxy + nx + 1] === l
  );
}

/** Trilinear interpolation with zero padding outside the lattice. */
export function trilinearAt(data: ArrayLike<number>, nx: number, ny: number, nz: number, x: number, y: number, z: number): number {
  const x0 = Math.floor(x);
  const y0 = Math.floor(y);
  const z0 = Math.floor(z);
  if (x0 < -1 || y0 < -1 || z0 < -1 || x0 >= nx || y0 >= ny || z0 >= nz) return 0;
  const fx = x - x0;
  const fy = y - y0;
  const fz = z - z0;
  const nxy = nx * ny;
  if (x0 >= 0 && y0 >= 0 && z0 >= 0 && x0 < nx - 1 && y0 < ny - 1 && z0 < nz - 1) {
    // All eight corners inside (most points): the loop below unrolled, same terms in the same order.
    return trilinearInterior(data, x0 + nx * y0 + nxy * z0, nx, nxy, fx, fy, fz);
  }
  let s = 0;
  for (let c = 0; c < 8; c++) {
    const xi = x0 + (c & 1);
    const yi = y0 + ((c >> 1) & 1);
    const zi = z0 + ((c >> 2) & 1);
    if (xi < 0 || yi < 0 || zi < 0 || xi >= nx || yi >= ny || zi >= nz) continue;
    const w = (c & 1 ? fx : 1 - fx) * ((c >> 1) & 1 ? fy : 1 - fy) * ((c >> 2) & 1 ? fz : 1 - fz);
    s += w * data[xi + nx * yi + nxy * zi];
  }
  return s;
}

/** Nearest-neighbour label lookup; 0 outside the lattice. */
export function nearestAt(data: ArrayLike<number>, nx: number, ny: number, nz: number, x: number, y: number, z: number): number {
  const i = Math.round(x);
  const j = Math.round(y);
  const k = Math.round(z);
  if (i < 0 || j < 0 || k < 0 || i >= nx || j >= ny || k >= nz) return 0;
  return data[i + nx * (j + ny * k)];
}

const cornerLabels = new Int32Array(8);
const cornerWeights = new Float64Array(8);

/**
 * One-hot-linear label interpolation: the label whose trilinear weight among the 8 neighbours is
 * largest (equivalent to interpolating each label's indicator and taking the arg-max, without
 * materialising one channel per label). Outside the lattice counts as label 0.
 */
export function labelLinearAt(
  data: VoxelArray | ArrayLike<number>,
  nx: number,
  ny: number,
  nz: number,
  x: number,
  y: number,
  z: number,
): number {
  const x0 = Math.floor(x);
  const y0 = Math.floor(y);
  const z0 = Math.floor(z);
  if (x0 < -1 || y0 < -1 || z0 < -1 || x0 >= nx || y0 >= ny || z0 >= nz) return 0;
  if (x0 >= 0 && y0 >= 0 && z0 >= 0 && x0 < nx - 1 && y0 < ny - 1 && z0 < nz - 1) {
    // Inside one label (most voxels): every corner holds it, so it wins whatever the weights.
    const nxy = nx * ny;
    const b = x0 + nx * y0 + nxy * z0;
    if (cornersAgree(data, b, nx, nxy)) return data[b];
  }
  const fx = x - x0;
  const fy = y - y0;
  const fz = z - z0;
  let n = 0;
  for (let c = 0; c < 8; c++) {
    const xi = x0 + (c & 1);
    const yi = y0 + ((c >> 1) & 1);
    const zi = z0 + ((c >> 2) & 1);
    const w = (c & 1 ? fx : 1 - fx) * ((c >> 1) & 1 ? fy : 1 - fy) * ((c >> 2) & 1 ? fz : 1 - fz);
    if (w === 0) continue;
    const label = xi < 0 || yi < 0 || zi < 0 || xi >= nx || yi >= ny || zi >= nz ? 0 : data[xi + nx * (yi + ny * zi)];
    let slot = 0;
    while (slot < n && cornerLabels[slot] !== label) slot++;
    if (slot === n) {
      cornerLabels[n] = label;
      cornerWeights[n] = 0;
      n++;
    }
    cornerWeights[slot] += w;
  }
  let best = 0;
  for (let s = 1; s < n; s++) if (cornerWeights[s] > cornerWeights[best]) best = s;
  return n === 0 ? 0 : cornerLabels[best];
}

/**
 * Trilinear sample of a 3-vector field (x,y,z interleaved per voxel) at a continuous index,
 * clamped to the lattice (the field is held at its border value outside). Writes the three
 * components, times `scale`, into out[o..o+2].
 */
export function sampleVec3Clamped(
  u: ArrayLike<number>,
  nx: number,
  ny: number,
  nz: number,
  x: number,
  y: number,
  z: number,
  out: Float32Array | Float64Array,
  o: number,
  scale: ArrayLike<number> = [1, 1, 1],
): void {
  x = Math.min(nx - 1, Math.max(0, x));
  y = Math.min(ny - 1, Math.max(0, y));
  z = Math.min(nz - 1, Math.max(0, z));
  const x0 = Math.min(Math.floor(x), Math.max(0, nx - 2));
  const y0 = Math.min(Math.floor(y), Math.max(0, ny - 2));
  const z0 = Math.min(Math.floor(z), Math.max(0, nz - 2));
  const ax = x - x0;
  const ay = y - y0;
  const az = z - z0;
  const sx = nx > 1 ? 3 : 0;
  const sy = ny > 1 ? 3 * nx : 0;
  const sz = nz > 1 ? 3 * nx * ny : 0;
  const b = 3 * (x0 + nx * (y0 + ny * z0));
  for (let c = 0; c < 3; c++) out[o + c] = cellLerp(u, b + c, sx, sy, sz, ax, ay, az) * scale[c];
}

/**
 * Trilinear interpolation inside one lattice cell: element q is its first corner, sx, sy, sz the
 * strides to the neighbouring corners (0 on a flat axis), ax, ay, az the fractions. Along x first,
 * then y, then z (the order every field sampler here uses, so their values agree exactly).
 */
export function cellLerp(u: ArrayLike<number>, q: number, sx: number, sy: number, sz: number, ax: number, ay: number, az: number): number {
  const c00 = u[q] + ax * (u[q + sx] - u[q]);
  const c10 = u[q + sy] + ax * (u[q + sx + sy] - u[q + sy]);
  const c01 = u[q + sz] + ax * (u[q + sx + sz] - u[q + sz]);
  const c11 = u[q + sy + sz] + ax * (u[q + sx + sy + sz] - u[q + sy + sz]);
  const c0 = c00 + ay * (c10 - c00);
  const c1 = c01 + ay * (c11 - c01);
  return c0 + az * (c1 - c0);
}
