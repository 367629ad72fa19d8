import { describe, expect, it } from 'vitest';
import { augmentPair, gridAffineAt, randomGridAffine } from '../../core/learned/augment.js';
import { warpTrilinear } from '../../core/kernels/warp.js';
import { mulberry32 } from '../../core/util/random.js';
import type { Vec3 } from '../../core/volume/volume.js';

const dims: Vec3 = [16, 20, 12];
const [nx, ny, nz] = dims;
const n = nx * ny * nz;

/** A smooth template, a smooth teacher field and the scan it maps the template onto. */
function pair() {
  const template = new Float32Array(n);
  const teacher = new Float32Array(3 * n);
  for (let k = 0, v = 0; k < nz; k++)
    for (let j = 0; j < ny; j++)
      for (let i = 0; i < nx; i++, v++) {
        template[v] = Math.exp(-((i - 8) ** 2 / 54 + (j - 10) ** 2 / 90 + (k - 6) ** 2 / 30));
        teacher[3 * v] = 0.8 * Math.sin(0.3 * j);
        teacher[3 * v + 1] = 0.6 * Math.cos(0.25 * k + 0.1 * i);
        teacher[3 * v + 2] = 0.4 * Math.sin(0.2 * i);
      }
  return { template, teacher, scan: warpTrilinear(template, dims, teacher) };
}

describe('student pair augmentation', () => {
  it('is the identity for the identity transform', () => {
    const p = pair();
    const id = new Float64Array([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0]);
    const a = augmentPair(p.scan, p.teacher, dims, id);
    for (let v = 0; v < n; v++) expect(a.scan[v]).toBeCloseTo(p.scan[v], 6);
    for (let v = 0; v < 3 * n; v++) expect(a.teacher[v]).toBeCloseTo(p.teacher[v], 6);
  });

  it('keeps the teacher field mapping the template onto the transformed scan', () => {
    const p = pair();
    const m = randomGridAffine(mulberry32(7), dims, 0.05);
    // a real transform, not the identity
    expect(Math.abs(gridAffineAt(m, 5, 5, 5)[0] - 5) + Math.abs(gridAffineAt(m, 5, 5, 5)[1] - 5)).toBeGreaterThan(0.05);
    const a = augmentPair(p.scan, p.teacher, dims, m);
    const reproduced = warpTrilinear(p.template, dims, a.teacher);
    const unadjusted = warpTrilinear(p.template, dims, p.teacher);
    // Interior voxels (away from where the transform or the field leaves the grid): template(x + u'(x)) = scan'(x).
    let worst = 0;
    let changed = 0;
    let stale = 0;
    for (let k = 3, v; k < nz - 3; k++)
      for (let j = 3; j < ny - 3; j++)
        for (let i = 3; i < nx - 3; i++) {
          v = i + nx * (j + ny * k);
          worst = Math.max(worst, Math.abs(reproduced[v] - a.scan[v]));
          changed = Math.max(changed, Math.abs(a.scan[v] - p.scan[v]));
          stale = Math.max(stale, Math.abs(unadjusted[v] - a.scan[v]));
        }
    // Trilinear interpolation of an interpolated image: small, not exact.
    expect(worst).toBeLessThan(0.03);
    expect(changed).toBeGreaterThan(0.05);
    // while the field before the adjustment no longer fits the transformed scan
    expect(stale).toBeGreaterThan(0.1);
  });
});
