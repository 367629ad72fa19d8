import { describe, expect, it } from 'vitest';
import { warpedGridPattern, GRID_FAMILY_BITS } from '../../core/pipeline/review-layers.js';
import { sampleAtCoordinates } from '../../core/kernels/resample.js';
import { createVolume } from '../../core/volume/volume.js';
import type { Grid } from '../../core/volume/volume.js';

describe('grid layer', () => {
  it('holds, per family of template planes, the thresholded trilinear interpolation of those planes alone; 0 beyond the template', () => {
    const template: Grid = { dims: [40, 37, 29], spacing: [1, 1, 1], origin: [0, 0, 0], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] };
    const [nx, ny, nz] = template.dims;
    const n = 50_000;
    let seed = 7;
    const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
    const coords = new Float32Array(3 * n).map((_, i) => random() * (template.dims[i % 3] + 4) - 2);
    const layer = warpedGridPattern(template, coords, 6);
    const inside = (v: number) => [0, 1, 2].every((a) => coords[3 * v + a] >= 0 && coords[3 * v + a] <= template.dims[a] - 1);
    for (let family = 0; family < 3; family++) {
      const planes = new Uint8Array(nx * ny * nz);
      let v = 0;
      for (let k = 0; k < nz; k++)
        for (let j = 0; j < ny; j++) for (let i = 0; i < nx; i++, v++) planes[v] = [i, j, k][family] % 6 === 0 ? 1 : 0;
      const expected = sampleAtCoordinates(createVolume(template, planes), { ...template, dims: [n, 1, 1] }, coords, 'linear');
      const bit = GRID_FAMILY_BITS[family];
      const got = Array.from(layer, (x): number => (x & bit ? 1 : 0));
      expect(got).toEqual(Array.from(expected.data, (x, i) => (inside(i) && x > 0.5 ? 1 : 0)));
      // Thin lines: each family covers about a sixth of the volume (1 of every 6 voxels).
      const insideCount = got.filter((_, i) => inside(i)).length;
      const share = got.reduce((a, b) => a + b, 0) / insideCount;
      expect(share).toBeGreaterThan(0.14);
      expect(share).toBeLessThan(0.19);
    }
    expect(layer.some((x, v) => x !== 0 && !inside(v))).toBe(false);
  });
});
