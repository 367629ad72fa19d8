import { describe, expect, it } from 'vitest';
import { boxFilter3d } from '../../core/kernels/mind.js';
import type { Vec3 } from '../../core/volume/volume.js';

/** The filter one line at a time, along each axis in turn: the running sum boxFilter3d must reproduce bit for bit. */
function perLine(data: Float32Array, dims: Vec3, r: number): void {
  const strides = [1, dims[0], dims[0] * dims[1]];
  for (let axis = 0; axis < 3; axis++) {
    const n = dims[axis];
    const line = new Float64Array(n);
    for (let start = 0; start < data.length; start++) {
      // A line starts where the index along `axis` is 0.
      if (Math.floor(start / strides[axis]) % n !== 0) continue;
      for (let q = 0; q < n; q++) line[q] = data[start + q * strides[axis]];
      let sum = 0;
      for (let q = -r; q <= r; q++) sum += line[Math.min(n - 1, Math.max(0, q))];
      for (let q = 0; q < n; q++) {
        data[start + q * strides[axis]] = sum * (1 / (2 * r + 1));
        sum += line[Math.min(n - 1, q + r + 1)] - line[Math.max(0, q - r)];
      }
    }
  }
}

describe('boxFilter3d', () => {
  it('gives, bit for bit, the running sums of each line with clamped borders', () => {
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 100 - 20;
    for (const dims of [
      [7, 5, 6],
      [1, 4, 3],
      [3, 1, 1],
      [12, 9, 2],
      [2, 2, 9],
    ] as Vec3[])
      for (const r of [1, 2, 3]) {
        const a = Float32Array.from({ length: dims[0] * dims[1] * dims[2] }, random);
        const b = a.slice();
        boxFilter3d(a, dims, r);
        perLine(b, dims, r);
        expect(Array.from(a), `${dims.join('×')}, r ${r}`).toEqual(Array.from(b));
      }
  });

  it('keeps a constant volume constant and averages a spike over its window', () => {
    const dims: Vec3 = [9, 9, 9];
    const c = new Float32Array(729).fill(3);
    boxFilter3d(c, dims, 2);
    expect(c.every((x) => Math.abs(x - 3) < 1e-6)).toBe(true);
    const spike = new Float32Array(729);
    spike[4 + 9 * (4 + 9 * 4)] = 27;
    boxFilter3d(spike, dims, 1);
    expect(spike[4 + 9 * (4 + 9 * 4)]).toBeCloseTo(1, 6);
    expect(spike[3 + 9 * (5 + 9 * 3)]).toBeCloseTo(1, 6);
    expect(spike[2 + 9 * (4 + 9 * 4)]).toBe(0);
  });
});
