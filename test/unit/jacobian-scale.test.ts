import { describe, expect, it } from 'vitest';
import { FOLDED, JACOBIAN_SCALE, detAt, jacobianScale, jacobianTicks, jacobianValues } from '../../renderer/src/viewer/jacobian-scale.js';

describe('the Jacobian view’s log scale', () => {
  it('reaches the 98th percentile of |log₂ det J| over the mask, within ×1.25 … ×4', () => {
    // 1000 voxels in the mask: det J = 2^(±k/1000·1.5), so |log₂ det J| is spread evenly up to 1.5.
    const det = new Float32Array(2000);
    const mask = new Uint8Array(2000);
    for (let k = 0; k < 1000; k++) {
      det[k] = 2 ** (((k % 2 ? 1 : -1) * (1.5 * k)) / 1000);
      mask[k] = 1;
    }
    // Outside the mask a wild value that must not count.
    det.fill(100, 1000);
    expect(jacobianScale(det, mask)).toBeCloseTo(1.5 * JACOBIAN_SCALE.percentile, 2);
    expect(jacobianScale(det)).toBeCloseTo(Math.log2(JACOBIAN_SCALE.maxFactor), 5);
    // A nearly rigid field still gets the smallest scale (its small changes are not blown up).
    expect(jacobianScale(new Float32Array(100).fill(1.01))).toBeCloseTo(Math.log2(JACOBIAN_SCALE.minFactor), 5);
    // Folded voxels do not enter the percentile.
    expect(jacobianScale(Float32Array.from([-1, 0, 1.01]))).toBeCloseTo(Math.log2(JACOBIAN_SCALE.minFactor), 5);
  });

  it('maps det J to log₂ det J / r in [−1, 1], folding below the scale, outside the head to 0', () => {
    const r = 1;
    const v = jacobianValues(Float32Array.from([1, 2, 0.5, 8, 1 / 8, 0, -0.3, NaN, 2]), r, (i) => i !== 8);
    expect([...v]).toEqual([0, 1, -1, 1, -1, FOLDED, FOLDED, FOLDED, 0]);
    expect(jacobianValues(Float32Array.from([Math.SQRT2]), 1)[0]).toBeCloseTo(0.5, 6);
  });

  it('labels the colour bar with det J, reciprocal about 1', () => {
    const r = Math.log2(2.75);
    const ticks = jacobianTicks(r);
    expect(ticks.map((t) => t.t)).toEqual([-1, -0.5, 0, 0.5, 1]);
    expect(ticks.map((t) => t.label)).toEqual(['0.36', '0.60', '1', '1.66', '2.75']);
    expect(detAt(-1, r) * detAt(1, r)).toBeCloseTo(1, 10);
  });
});
