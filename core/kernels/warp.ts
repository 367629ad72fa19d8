/**
 * Trilinear warp of an image by a dense displacement field on the image's own grid, and its
 * adjoint. Displacements here are in voxel units (x,y,z interleaved per voxel); convert from
 * world millimetres with `displacementWorldToIndex`. Zero padding outside the lattice.
 *
 *   out(p) = I(p + u(p))
 */
import type { Grid, Vec3 } from '../volume/volume.js';
import { trilinearAt } from './sample.js';

export function warpTrilinear(image: Float32Array, dims: Vec3, disp: Float32Array, out = new Float32Array(image.length)): Float32Array {
  const [nx, ny, nz] = dims;
  const nxy = nx * ny;
  let v = 0;
  for (let k = 0; k < nz; k++)
    for (let j = 0; j < ny; j++)
      for (let i = 0; i < nx; i++, v++) {
        const x = i + disp[3 * v];
        const y = j + disp[3 * v + 1];
        const z = k + disp[3 * v + 2];
        const x0 = Math.floor(x);
        const y0 = Math.floor(y);
        const z0 = Math.floor(z);
        const fx = x - x0;
        const fy = y - y0;
        const fz = z - z0;
        if (x0 >= 0 && y0 >= 0 && z0 >= 0 && x0 < nx - 1 && y0 < ny - 1 && z0 < nz - 1) {
          const b = x0 + nx * y0 + nxy * z0;
          out[v] =
            (1 - fz) * ((1 - fy) * ((1 - fx) * image[b] + fx * image[b + 1]) + fy * ((1 - fx) * image[b + nx] + fx * image[b + nx + 1])) +
            fz *
              ((1 - fy) * ((1 - fx) * image[b + nxy] + fx * image[b + nxy + 1]) +
                fy * ((1 - fx) * image[b + nxy + nx] + fx * image[b + nxy + nx + 1]));
          continue;
        }
        // Near the border: some corners outside (zero).
        out[v] = trilinearAt(image, nx, ny, nz, x, y, z);
      }
  return out;
}

/**
 * Adjoint of `warpTrilinear`: given dL/dout, returns dL/du (3 per voxel, voxel units) and,
 * when `gradImage` is given, accumulates dL/dI into it.
 */
export function warpTrilinearBackward(
  image: Float32Array,
  dims: Vec3,
  disp: Float32Array,
  gradOut: Float32Array,
  gradImage?: Float32Array,
): Float32Array {
  const [nx, ny, nz] = dims;
  const nxy = nx * ny;
  const gradDisp = new Float32Array(disp.length);
  let v = 0;
  for (let k = 0; k < nz; k++)
    for (let j = 0; j < ny; j++)
      for (let i = 0; i < nx; i++, v++) {
        const g = gradOut[v];
        if (g === 0) continue;
        const x = i + disp[3 * v];
        const y = j + disp[3 * v + 1];
        const z = k + disp[3 * v + 2];
        const x0 = Math.floor(x);
        const y0 = Math.floor(y);
        const z0 = Math.floor(z);
        const fx = x - x0;
        const fy = y - y0;
        const fz = z - z0;
        let gx = 0;
        let gy = 0;
        let gz = 0;
        for (let c = 0; c < 8; c++) {
          const bx = c & 1;
          const by = (c >> 1) & 1;
          const bz = (c >> 2) & 1;
          const xi = x0 + bx;
          const yi = y0 + by;
          const zi = z0 + bz;
          if (xi < 0 || yi < 0 || zi < 0 || xi >= nx || yi >= ny || zi >= nz) continue;
          const idx = xi + nx * yi + nxy * zi;
          const val = image[idx];
          const wx = bx ? fx : 1 - fx;
          const wy = by ? fy : 1 - fy;
          const wz = bz ? fz : 1 - fz;
          gx += (bx ? 1 : -1) * wy * wz * val;
          gy += (by ? 1 : -1) * wx * wz * val;
          gz += (bz ? 1 : -1) * wx * wy * val;
          if (gradImage) gradImage[idx] += g * wx * wy * wz;
        }
        gradDisp[3 * v] = g * gx;
        gradDisp[3 * v + 1] = g * gy;
        gradDisp[3 * v + 2] = g * gz;
      }
  return gradDisp;
}

/** 3×3 row-major inverse of direction·diag(spacing): maps a world vector (mm) to index units. */
function worldToIndexLinear(grid: Grid): number[] {
  const a = grid.direction.map((d, i) => d * grid.spacing[i % 3]);
  const det = a[0] * (a[4] * a[8] - a[5] * a[7]) - a[1] * (a[3] * a[8] - a[5] * a[6]) + a[2] * (a[3] * a[7] - a[4] * a[6]);
  return [
    (a[4] * a[8] - a[5] * a[7]) / det,
    (a[2] * a[7] - a[1] * a[8]) / det,
    (a[1] * a[5] - a[2] * a[4]) / det,
    (a[5] * a[6] - a[3] * a[8]) / det,
    (a[0] * a[8] - a[2] * a[6]) / det,
    (a[2] * a[3] - a[0] * a[5]) / det,
    (a[3] * a[7] - a[4] * a[6]) / det,
    (a[1] * a[6] - a[0] * a[7]) / det,
    (a[0] * a[4] - a[1] * a[3]) / det,
  ];
}

function applyLinear(m: number[], field: Float32Array, out: Float32Array = new Float32Array(field.length)): Float32Array {
  for (let v = 0; v < field.length; v += 3) {
    const a = field[v];
    const b = field[v + 1];
    const c = field[v + 2];
    out[v] = m[0] * a + m[1] * b + m[2] * c;
    out[v + 1] = m[3] * a + m[4] * b + m[5] * c;
    out[v + 2] = m[6] * a + m[7] * b + m[8] * c;
  }
  return out;
}

/** Converts a displacement field from world millimetres (LPS) to voxel-index units of `grid`. */
export function displacementWorldToIndex(grid: Grid, fieldMm: Float32Array): Float32Array {
  return applyLinear(worldToIndexLinear(grid), fieldMm);
}

/**
 * Converts a displacement field from voxel-index units of `grid` to world millimetres (LPS), into
 * `out` when given (e.g. an array in shared memory).
 */
export function displacementIndexToWorld(grid: Grid, fieldIdx: Float32Array, out?: Float32Array): Float32Array {
  return applyLinear(
    grid.direction.map((d, i) => d * grid.spacing[i % 3]),
    fieldIdx,
    out,
  );
}
