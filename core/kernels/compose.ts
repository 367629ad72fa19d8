/**
 * Composition of dense displacement fields on one grid.
 *
 * With φ_a(x) = x + a(x) and φ_b(x) = x + b(x), `composeDisplacements(a, b)` returns c with
 * x + c(x) = φ_b(φ_a(x)), i.e. c(x) = a(x) + b(x + a(x)): apply `a` first, then `b`.
 * Fields are in voxel-index units here (see warp.ts for the conversions); `b` is sampled
 * trilinearly and clamped at the border.
 */
import type { Vec3 } from '../volume/volume.js';
import { trilinearClampedAt } from './sample.js';

export function composeDisplacements(first: Float32Array, second: Float32Array, dims: Vec3): Float32Array {
  const [nx, ny, nz] = dims;
  const out = new Float32Array(first.length);
  let v = 0;
  for (let k = 0; k < nz; k++)
    for (let j = 0; j < ny; j++)
      for (let i = 0; i < nx; i++, v++) {
        const ax = first[3 * v];
        const ay = first[3 * v + 1];
        const az = first[3 * v + 2];
        const x = i + ax;
        const y = j + ay;
        const z = k + az;
        out[3 * v] = ax + trilinearClampedAt(second, nx, ny, nz, x, y, z, 3, 0);
        out[3 * v + 1] = ay + trilinearClampedAt(second, nx, ny, nz, x, y, z, 3, 1);
        out[3 * v + 2] = az + trilinearClampedAt(second, nx, ny, nz, x, y, z, 3, 2);
      }
  return out;
}
