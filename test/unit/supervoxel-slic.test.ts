import { describe, expect, it } from 'vitest';
import { connectedComponents, mergeToCount, supervoxelLayer } from '../../core/engines/supervoxel/slic.js';
import { supervoxelCentres, templateSupervoxels } from '../../core/engines/supervoxel/template-supervoxels.js';
import { createVolume, IDENTITY3 } from '../../core/volume/volume.js';
import type { Vec3 } from '../../core/volume/volume.js';

/** A 28×24×20 image of two blurred blobs and a label ball, 1 × 1 × 2 mm voxels (anisotropic). */
function phantom() {
  const dims: Vec3 = [28, 24, 20];
  const n = dims[0] * dims[1] * dims[2];
  const image = new Float32Array(n);
  const labels = new Int16Array(n);
  for (let k = 0, v = 0; k < dims[2]; k++)
    for (let j = 0; j < dims[1]; j++)
      for (let i = 0; i < dims[0]; i++, v++) {
        image[v] =
          Math.exp(-((i - 9) ** 2 + (j - 12) ** 2 + (2 * k - 20) ** 2) / 60) +
          0.6 * Math.exp(-((i - 19) ** 2 + (j - 10) ** 2 + (2 * k - 16) ** 2) / 40);
        if ((i - 14) ** 2 + (j - 12) ** 2 + (2 * k - 20) ** 2 < 49) labels[v] = 1;
      }
  const grid = { dims, spacing: [1, 1, 2] as Vec3, origin: [0, 0, 0] as Vec3, direction: IDENTITY3 };
  return { image: createVolume(grid, image), labels: createVolume(grid, labels), dims };
}

const settings = { layers: 3, count: 20, seeds: 34, compactness: 0.15, iterations: 5, maskDilationMm: 5, jitter: 0.07, seed: 4 };

describe('SLIC supervoxels', () => {
  it('gives exactly `count` connected foreground supervoxels in every layer, background outside the mask', () => {
    const { image, labels, dims } = phantom();
    const sv = templateSupervoxels(image, labels, settings);
    const n = dims[0] * dims[1] * dims[2];
    for (let l = 0; l < sv.layers; l++) {
      const layer = Int32Array.from(sv.labels.subarray(l * n, (l + 1) * n));
      const present = new Set(layer);
      present.delete(0);
      expect([...present].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
      for (const c of present)
        expect(
          connectedComponents(
            layer.map((x) => (x === c ? 1 : 0)),
            dims,
          ).count,
        ).toBe(1);
      // Labelled voxels are always inside the (dilated) mask; far corners are outside.
      for (let v = 0; v < n; v++) if (labels.data[v]) expect(layer[v]).toBeGreaterThan(0);
      expect(layer[0]).toBe(0);
    }
    // The layers differ (varied initialisations) …
    expect(sv.labels.subarray(0, n)).not.toEqual(sv.labels.subarray(n, 2 * n));
    // … and the same seed gives the same result.
    expect(templateSupervoxels(image, labels, settings).labels).toEqual(sv.labels);
    expect(templateSupervoxels(image, labels, { ...settings, seed: 5 }).labels).not.toEqual(sv.labels);
  });

  it('merging keeps regions connected and reaches the target count', () => {
    // A 10×1×1 row of 10 one-voxel regions, merged to 3.
    const dims: Vec3 = [10, 1, 1];
    const regions = Int32Array.from({ length: 10 }, (_, i) => i + 1);
    const merged = mergeToCount(regions, 10, dims, 3);
    expect(new Set(merged).size).toBe(3);
    for (const c of new Set(merged))
      expect(
        connectedComponents(
          merged.map((x) => (x === c ? 1 : 0)),
          dims,
        ).count,
      ).toBe(1);
  });

  it('refuses a mask too small for the count', () => {
    const dims: Vec3 = [4, 4, 4];
    const mask = new Uint8Array(64);
    mask[0] = 1;
    expect(() =>
      supervoxelLayer(new Float32Array(64), mask, dims, [1, 1, 1], { seeds: 10, count: 5, compactness: 0.1, iterations: 2 }),
    ).toThrow(/too small/);
  });

  it('centres are the means of each supervoxel (NaN for an absent one)', () => {
    const dims: Vec3 = [4, 1, 1];
    const c = supervoxelCentres(Uint8Array.from([1, 1, 0, 2]), dims, 1, 3);
    expect(Array.from(c.subarray(0, 6))).toEqual([0.5, 0, 0, 3, 0, 0]);
    expect(Number.isNaN(c[6])).toBe(true);
  });
});
