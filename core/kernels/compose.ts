/**
 * Composition of dense displacement fields on one grid.
 *
 * With φ_a(x) = x + a(x) and φ_b(x) = x + b(x), `composeDisplacements(a, b)` returns c with
 * x + c(x) = φ_b(φ_a(x)), i.e. c(x) = a(x) + b(x + a(x)): apply `a` first, then `b`.
 * Fields are in voxel-index units here (see warp.ts for the conversions); `b` is sampled
 * trilinearly and clamped at the border.
 */
import type { Vec3 } from '../volume/volume.js';
import { sampleVec3Clamped } from './sample.js';

export function composeDisplacements(first: Float32Array, second: Float32Array, dims: Vec3): Float32Array {
  const [nx, ny, nz] = dims;
  const out = new Float32Array(first.length);
  const b = new Float64Array(3);
  let v = 0;
  for (let k = 0; k < nz; k++)
    for (let j = 0; j < ny; j++)
      for (let i = 0; i < nx; i++, v++) {
        const ax = first[3 * v];
        const ay = first[3 * v + 1];
        const az = first[3 * v + 2];
        sampleVec3Clamped(second, nx, ny, nz, i + ax, j + ay, k + az, b, 0);
        out[3 * v] = ax + b[0];
        out[3 * v + 1] = ay + b[1];
        out[3 * v + 2] = az + b[2];
      }
  return out;
}
