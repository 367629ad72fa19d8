import { describe, expect, it } from 'vitest';
import { registerAffine } from '../../core/registration/affine.js';
import { AffineTransform } from '../../core/registration/transform.js';
import { applyMatrix4 } from '../../core/volume/volume.js';
import { CancelledError, LabelWarpError } from '../../core/util/errors.js';
import { affinePhantomPair, fromWorldFunction, grid, phantom, KNOWN_AFFINE } from '../helpers/synthetic.js';

const TRUE = KNOWN_AFFINE;

describe('affine registration', () => {
  it('recovers a known affine between different grids to within 1 mm', async () => {
    const { fixed, moving } = affinePhantomPair();
    const r = await registerAffine(fixed, moving, { iterations: [150, 100, 60] });
    const est = new AffineTransform(r.matrix);
    let worst = 0;
    for (const x of [-20, 20])
      for (const y of [-15, 15])
        for (const z of [-12, 12]) {
          const p = est.mapPointsWorld(Float64Array.from([x, y, z]));
          const q = applyMatrix4(TRUE, [x, y, z]);
          worst = Math.max(worst, Math.hypot(p[0] - q[0], p[1] - q[1], p[2] - q[2]));
        }
    expect(worst).toBeLessThan(1);
    expect(r.ncc).toBeGreaterThan(0.98);
  });

  it('can be cancelled', async () => {
    const fixed = fromWorldFunction(grid([32, 32, 32]), (x, y, z) => phantom(x - 16, y - 16, z - 16));
    const ac = new AbortController();
    ac.abort();
    await expect(registerAffine(fixed, fixed, { signal: ac.signal })).rejects.toBeInstanceOf(CancelledError);
  });

  it('refuses a constant image with a clear error', async () => {
    const fixed = fromWorldFunction(grid([16, 16, 16]), (x, y, z) => phantom(x - 8, y - 8, z - 8));
    const flat = fromWorldFunction(grid([16, 16, 16]), () => 5);
    await expect(registerAffine(flat, fixed)).rejects.toThrow(LabelWarpError);
    await expect(registerAffine(fixed, flat)).rejects.toThrow(/template image has no contrast/);
  });
});
