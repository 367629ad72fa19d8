/**
 * Random affine augmentation of training samples on a network grid (index space, x fastest):
 * the transform itself, and a student pair (scan and teacher displacement) seen through it.
 */
import type { Vec3 } from '../volume/volume.js';
import { sampleVec3Clamped, trilinearAt } from '../kernels/sample.js';

/** A random affine of the grid's index space about its centre: x ↦ c + (I + E)(x − c) + t, E and t/extent ~ N(0, s²). */
export function randomGridAffine(rand: () => number, dims: Vec3, s: number): Float64Array {
  const g = () => Math.sqrt(-2 * Math.log(Math.max(rand(), 1e-12))) * Math.cos(2 * Math.PI * rand());
  const c = dims.map((d) => (d - 1) / 2);
  const m = new Float64Array(12);
  for (let r = 0; r < 3; r++) {
    let off = c[r] + g() * s * c[r];
    for (let q = 0; q < 3; q++) {
      m[4 * r + q] = (r === q ? 1 : 0) + g() * s;
      off -= m[4 * r + q] * c[q];
    }
    m[4 * r + 3] = off;
  }
  return m;
}

/** m(x) for the 3×4 row-major matrix m. */
export function gridAffineAt(m: Float64Array, x: number, y: number, z: number): Vec3 {
  return [m[0] * x + m[1] * y + m[2] * z + m[3], m[4] * x + m[5] * y + m[6] * z + m[7], m[8] * x + m[9] * y + m[10] * z + m[11]];
}

/**
 * A pair seen through `m`: the scan resampled at m(x) (trilinear, zero outside), and the teacher
 * displacement u (voxels, x/y/z interleaved; template(x + u(x)) matches the scan) of the new
 * pair, u'(x) = m(x) − x + u(m(x)), with u sampled trilinearly at m(x) clamped to the grid.
 */
export function augmentPair(
  scan: Float32Array,
  teacher: Float32Array,
  dims: Vec3,
  m: Float64Array,
): { scan: Float32Array; teacher: Float32Array } {
  const [nx, ny, nz] = dims;
  const n = nx * ny * nz;
  const outScan = new Float32Array(n);
  const outTeacher = new Float32Array(3 * n);
  for (let k = 0, v = 0; k < nz; k++)
    for (let j = 0; j < ny; j++)
      for (let i = 0; i < nx; i++, v++) {
        const [x, y, z] = gridAffineAt(m, i, j, k);
        outScan[v] = trilinearAt(scan, nx, ny, nz, x, y, z);
        sampleVec3Clamped(teacher, nx, ny, nz, x, y, z, outTeacher, 3 * v);
        outTeacher[3 * v] += x - i;
        outTeacher[3 * v + 1] += y - j;
        outTeacher[3 * v + 2] += z - k;
      }
  return { scan: outScan, teacher: outTeacher };
}
