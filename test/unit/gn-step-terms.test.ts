import { describe, expect, it } from 'vitest';
import { stepTermsRange, stepTermsSplit } from '../../core/registration/gn-step-terms.js';
import type { StepTermsData } from '../../core/registration/gn-step-terms.js';
import { normalEquationTerms } from '../../core/registration/gn-terms.js';
import { resampleFieldIdx } from '../../core/kernels/field-resample.js';
import { blockAverage } from '../../core/kernels/pyramid.js';
import type { Vec3 } from '../../core/volume/volume.js';
import { grid } from '../helpers/synthetic.js';

function rand(n: number, seed: number, lo = 0, hi = 1): Float32Array {
  let s = seed;
  return Float32Array.from({ length: n }, () => lo + (hi - lo) * ((s = (s * 16807) % 2147483647) / 2147483647));
}

describe("one Gauss-Newton step's data terms on slabs", () => {
  // A 2 mm data grid with odd sizes (the pooled grid drops the last slice) and a 4 mm control grid.
  const dims: Vec3 = [15, 13, 11];
  const data = grid(dims, [2, 2, 2], [0, 0, 0]);
  const pool: Vec3 = [2, 2, 2];
  const control = blockAverage(new Float32Array(15 * 13 * 11), data, 1, pool).grid;
  const C = 3;
  const n = 15 * 13 * 11;
  const F = rand(n * C, 3);
  const M = rand(n * C, 5);
  const field = rand(3 * control.dims[0] * control.dims[1] * control.dims[2], 7, -0.8, 0.8);
  const mask = Uint8Array.from(rand(n, 11), (x) => (x > 0.2 ? 1 : 0));

  it('equal the whole-grid resample, terms and pooling, slab by slab, with stale arrays', () => {
    const uData = resampleFieldIdx(field, control, data);
    const whole = normalEquationTerms(F, M, C, dims, uData, 1 / C, mask);
    const H = blockAverage(whole.H, data, 6, pool).data;
    const g = blockAverage(whole.g, data, 3, pool).data;
    for (let i = 0; i < H.length; i++) H[i] *= [4, 4, 4, 4, 4, 4][i % 6];
    for (let i = 0; i < g.length; i++) g[i] *= 2;
    const m = H.length / 6;
    // Arrays holding an earlier step's values, as in registration.
    const d: StepTermsData = {
      F,
      M,
      C,
      dims,
      termScale: 1 / C,
      mask,
      u: rand(3 * n, 13),
      H: rand(6 * n, 17),
      g: rand(3 * n, 19),
      control: { field, grid: control, dataGrid: data, pool, H: rand(6 * m, 23), g: rand(3 * m, 29) },
    };
    const split = stepTermsSplit(d);
    expect(split % 2).toBe(0);
    const upper = stepTermsRange(d, split, dims[2]);
    const lower = stepTermsRange(d, 0, split);
    expect(Array.from(d.u)).toEqual(Array.from(uData));
    expect(Array.from(d.control!.H)).toEqual(Array.from(H));
    expect(Array.from(d.control!.g)).toEqual(Array.from(g));
    expect((lower.ssd + upper.ssd) / ((lower.counted + upper.counted) * C)).toBeCloseTo(whole.residual, 12);
  });
});
