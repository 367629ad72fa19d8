import { describe, expect, it } from 'vitest';
import { warpedGridPattern } from '../../core/pipeline/review-layers.js';
import { sampleAtCoordinates } from '../../core/kernels/resample.js';
import { createVolume } from '../../core/volume/volume.js';
import type { Grid } from '../../core/volume/volume.js';

describe('grid layer', () => {
  it('equals the thresholded trilinear interpolation of the template plane pattern, inside and beyond the template', () => {
    const template: Grid = { dims: [40, 37, 29], spacing: [1, 1, 1], origin: [0, 0, 0], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] };
    const [nx, ny, nz] = template.dims;
    const pattern = new Uint8Array(nx * ny * nz);
    let v = 0;
    for (let k = 0; k < nz; k++)
      for (let j = 0; j < ny; j++) for (let i = 0; i < nx; i++, v++) pattern[v] = i % 6 === 0 || j % 6 === 0 || k % 6 === 0 ? 1 : 0;
    const n = 50_000;
    let seed = 7;
    const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
    const coords = new Float32Array(3 * n).map((_, i) => random() * (template.dims[i % 3] + 4) - 2);
    const expected = sampleAtCoordinates(createVolume(template, pattern), { ...template, dims: [n, 1, 1] }, coords, 'linear');
    const layer = warpedGridPattern(template, coords);
    expect(Array.from(layer)).toEqual(Array.from(expected.data, (x) => (x > 0.35 ? 1 : 0)));
    expect(layer.reduce((a, b) => a + b, 0)).toBeGreaterThan(n / 10);
  });
});
