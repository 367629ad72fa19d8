import { describe, expect, it } from 'vitest';
import { knnGraph, optimiseKeypoints, PAPER_KEYPOINT_OPTIONS, sampleFeatures } from '../../core/engines/supervoxel/keypoints.js';
import { keypointDataTermParallel } from '../../core/parallel/kernel-pool.js';
import { classBins, labelFeatures } from '../../core/engines/supervoxel/features.js';
import { supervoxelCentres } from '../../core/engines/supervoxel/template-supervoxels.js';
import { densify } from '../../core/engines/supervoxel/densify.js';
import type { Vec3 } from '../../core/volume/volume.js';

/** Two layers of 4-voxel cubes (the second offset by 2) on a 24³ grid, labels 1…, 0 at the border. */
function blocks(dims: Vec3): Uint8Array {
  const n = dims[0] * dims[1] * dims[2];
  const out = new Uint8Array(2 * n);
  for (let l = 0; l < 2; l++)
    for (let k = 0, v = 0; k < dims[2]; k++)
      for (let j = 0; j < dims[1]; j++)
        for (let i = 0; i < dims[0]; i++, v++) {
          if (i < 2 || j < 2 || k < 2 || i >= dims[0] - 2 || j >= dims[1] - 2 || k >= dims[2] - 2) continue;
          const o = 2 * l;
          const [a, b, c] = [i + o, j + o, k + o].map((x) => Math.floor(x / 4) % 5);
          out[l * n + v] = 1 + a + 5 * b + 25 * c;
        }
  return out;
}

describe('supervoxel keypoint matching', () => {
  it('recovers a known translation with the paper settings, on one thread and on two alike', async () => {
    const dims: Vec3 = [24, 24, 24];
    const n = dims[0] ** 3;
    const labels = blocks(dims);
    const bins = 8;
    const binOf = classBins(2, 128, bins, 3);
    const template = { dims, channels: 2 * bins, data: labelFeatures(labels, n, 2, 128, binOf, bins) };
    const shift: Vec3 = [1.6, -1.2, 0.7];
    // The scan's features: the template's moved by `shift` (scan point p + shift shows template point p).
    const points = new Float32Array(3 * n);
    for (let v = 0; v < n; v++) {
      points[3 * v] = (v % 24) - shift[0];
      points[3 * v + 1] = (Math.floor(v / 24) % 24) - shift[1];
      points[3 * v + 2] = Math.floor(v / 576) - shift[2];
    }
    const scan = { dims, channels: 2 * bins, data: sampleFeatures(template, points) };
    const all = supervoxelCentres(labels, dims, 2, 127);
    const kp = all.filter((_, i) => !Number.isNaN(all[i - (i % 3)]));
    const targets = sampleFeatures(template, kp);
    const r = await optimiseKeypoints(scan, kp, targets, PAPER_KEYPOINT_OPTIONS);
    expect(r.finalLoss).toBeLessThan(r.initialLoss / 3);
    const mean = [0, 0, 0];
    const m = kp.length / 3;
    for (let i = 0; i < m; i++) for (let a = 0; a < 3; a++) mean[a] += r.displacement[3 * i + a] / m;
    for (let a = 0; a < 3; a++) expect(Math.abs(mean[a] - shift[a])).toBeLessThan(0.25);
    // Half the keypoints' data term on the kernel pool's thread (split whatever the work: minWork
    // 0): the same steps, so the same result.
    const two = await optimiseKeypoints(
      scan,
      kp,
      targets,
      PAPER_KEYPOINT_OPTIONS,
      kp,
      keypointDataTermParallel(scan, kp, targets, undefined, 0),
    );
    expect(Array.from(two.displacement)).toEqual(Array.from(r.displacement));
    expect(two.finalLoss).toBeCloseTo(r.finalLoss, 10);
  });

  it('the neighbour graph lists the k nearest points', () => {
    const p = Float32Array.from([0, 0, 0, 1, 0, 0, 5, 0, 0, 1.5, 0, 0]);
    expect(Array.from(knnGraph(p, 2))).toEqual([1, 3, 3, 0, 3, 1, 1, 0]);
  });

  it('the neighbour graph equals a plain selection sort, ties included (grid points, duplicates)', () => {
    // The oracle: k passes of selection over all points, swapping each pick to the front.
    const selection = (points: Float32Array, k: number): number[] => {
      const n = points.length / 3;
      const out: number[] = [];
      for (let i = 0; i < n; i++) {
        const d = Array.from({ length: n }, (_, j) =>
          i === j
            ? Infinity
            : (points[3 * i] - points[3 * j]) ** 2 +
              (points[3 * i + 1] - points[3 * j + 1]) ** 2 +
              (points[3 * i + 2] - points[3 * j + 2]) ** 2,
        );
        const order = d.map((_, j) => j);
        for (let a = 0; a < Math.min(k, n - 1); a++) {
          let m = a;
          for (let b = a + 1; b < n; b++) if (d[order[b]] < d[order[m]]) m = b;
          [order[a], order[m]] = [order[m], order[a]];
          out.push(order[a]);
        }
      }
      return out;
    };
    let seed = 11;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const random = new Float32Array(3 * 300).map(() => rand() * 40);
    const grid = new Float32Array(3 * 216).map((_, q) => Math.floor(q / 3 / 6 ** (q % 3)) % 6); // 6³ lattice: many equal distances
    const duplicates = new Float32Array(3 * 120).map((_, q) => Math.floor(rand() * 3) + (q % 3)); // repeated points
    for (const points of [random, grid, duplicates])
      for (const k of [1, 8, 30]) expect(Array.from(knnGraph(points, k))).toEqual(selection(points, k));
    expect(Array.from(knnGraph(Float32Array.from([1, 2, 3]), 8))).toEqual([]);
  });

  it('densifies constant keypoint values to that constant, smoothly', () => {
    const dims: Vec3 = [10, 8, 6];
    const pts = Float32Array.from([2, 2, 2, 7.5, 5, 3, 4, 6.2, 1]);
    const vals = Float32Array.from([1, -2, 0.5, 1, -2, 0.5, 1, -2, 0.5]);
    const f = densify(pts, vals, dims, [2, 2, 2]);
    for (let v = 0; v < f.length / 3; v++) {
      expect(f[3 * v]).toBeCloseTo(1, 5);
      expect(f[3 * v + 1]).toBeCloseTo(-2, 5);
    }
  });
});
