import { describe, expect, it } from 'vitest';
import { labelAgreement, labelCounts } from '../../core/metrics/label-counts.js';
import { diceScores, hd95Scores, labelBoxes, pairStatistics, segmentationMetrics } from '../../core/metrics/overlap.js';
import { squaredDistanceTransform } from '../../core/metrics/edt.js';
import { nearDistances, offsetBall } from '../../core/metrics/near-distances.js';
import { deformationMetrics, jacobianStatistics } from '../../core/metrics/deformation.js';
import { AffineTransform, displacementOnGrid } from '../../core/registration/transform.js';
import type { Vec3 } from '../../core/volume/volume.js';
import { grid } from '../helpers/synthetic.js';

function box(dims: Vec3, lo: Vec3, hi: Vec3, label = 1, into?: Int32Array): Int32Array {
  const out = into ?? new Int32Array(dims[0] * dims[1] * dims[2]);
  for (let k = lo[2]; k <= hi[2]; k++)
    for (let j = lo[1]; j <= hi[1]; j++) for (let i = lo[0]; i <= hi[0]; i++) out[i + dims[0] * (j + dims[1] * k)] = label;
  return out;
}

describe('Dice', () => {
  it('gives the known answers on synthetic shapes', () => {
    const dims: Vec3 = [30, 20, 20];
    // Two 10×10×10 cubes overlapping on half their width: Dice 0.5.
    const ref = box(dims, [5, 5, 5], [14, 14, 14], 3);
    const pred = box(dims, [10, 5, 5], [19, 14, 14], 3);
    // Label 7 present in the reference only, label 9 in the prediction only.
    box(dims, [25, 0, 0], [26, 1, 1], 7, ref);
    box(dims, [0, 0, 0], [1, 1, 1], 9, pred);
    const d = diceScores(pred, ref);
    expect([...d.keys()]).toEqual([3, 7]);
    expect(d.get(3)!.dice).toBe(0.5);
    expect(d.get(7)!.dice).toBe(0);
    const m = segmentationMetrics(pred, ref, grid(dims));
    expect(m.meanDice).toBe(0.25);
    expect(m.labels.find((l) => l.label === 7)!.hd95).toBeNull();
  });
});

describe('HD95 and the distance transform', () => {
  it('is the slab separation in mm, with anisotropic spacing', () => {
    const dims: Vec3 = [20, 12, 10];
    const ref = box(dims, [5, 0, 0], [5, 11, 9]);
    const pred = box(dims, [8, 0, 0], [8, 11, 9]);
    const hd = hd95Scores(pred, ref, grid(dims, [2, 1, 3]), [1]);
    expect(hd.get(1)).toBeCloseTo(6, 10);
    expect(hd95Scores(ref, ref, grid(dims, [2, 1, 3]), [1]).get(1)).toBe(0);
  });

  it('takes the 95th percentile, not the maximum', () => {
    // 100 boundary points at distance 0 and one outlier far away: HD95 stays near 0, HD100 would not.
    const dims: Vec3 = [60, 10, 1];
    const ref = box(dims, [0, 0, 0], [49, 1, 0]);
    const pred = box(dims, [0, 0, 0], [49, 1, 0]);
    pred[59 + 60 * 9] = 1; // a single voxel 10+ voxels away
    const hd = hd95Scores(pred, ref, grid(dims), [1]).get(1)!;
    expect(hd).toBeLessThan(1);
  });

  it('the exact EDT matches brute force', () => {
    const dims: Vec3 = [9, 7, 6];
    const sp: Vec3 = [1.5, 0.7, 2.2];
    const n = 9 * 7 * 6;
    const seed = new Uint8Array(n);
    let s = 7;
    for (let i = 0; i < n; i++) seed[i] = (s = (s * 48271) % 2147483647) % 17 === 0 ? 1 : 0;
    seed[0] = 1;
    const d = squaredDistanceTransform(seed, dims, sp);
    const pos = (v: number) => [v % 9, Math.floor(v / 9) % 7, Math.floor(v / 63)];
    for (let v = 0; v < n; v++) {
      let best = Infinity;
      const p = pos(v);
      for (let u = 0; u < n; u++) {
        if (!seed[u]) continue;
        const q = pos(u);
        best = Math.min(best, ((p[0] - q[0]) * sp[0]) ** 2 + ((p[1] - q[1]) * sp[1]) ** 2 + ((p[2] - q[2]) * sp[2]) ** 2);
      }
      expect(d[v]).toBeCloseTo(best, 6);
    }
  });

  it('gives the same distances where they are wanted when told which voxels matter', () => {
    const dims: Vec3 = [13, 11, 9];
    const sp: Vec3 = [1.3, 0.8, 2.1];
    const n = 13 * 11 * 9;
    const seed = new Uint8Array(n);
    const wanted = new Uint8Array(n);
    let s = 11;
    for (let i = 0; i < n; i++) {
      seed[i] = (s = (s * 48271) % 2147483647) % 23 === 0 ? 1 : 0;
      // Wanted voxels in a few columns only, so that lines are skipped.
      wanted[i] = i % 13 < 4 && Math.floor(i / 13) % 11 < 3 && (s >> 3) % 3 === 0 ? 1 : 0;
    }
    const all = squaredDistanceTransform(seed, dims, sp);
    const some = squaredDistanceTransform(seed, dims, sp, wanted);
    let checked = 0;
    for (let v = 0; v < n; v++)
      if (wanted[v]) {
        expect(some[v]).toBe(all[v]);
        checked++;
      }
    expect(checked).toBeGreaterThan(5);
    // Skipped lines really were skipped (the check above is not vacuous).
    expect(Array.from(some)).not.toEqual(Array.from(all));
  });
});

describe('HD95 by neighbourhood search', () => {
  // Two random masks on an anisotropic box: `from` voxels near `to` and some far from it.
  const dims: Vec3 = [40, 18, 12];
  const sp: Vec3 = [1.3, 0.8, 2.1];
  const n = dims[0] * dims[1] * dims[2];
  const masks = (shift: number) => {
    const to = new Uint8Array(n);
    const from = new Uint8Array(n);
    let s = 5;
    for (let v = 0; v < n; v++) {
      const i = v % dims[0];
      const r = (s = (s * 48271) % 2147483647) % 29;
      if (i < 12 && r === 0) to[v] = 1;
      if (i >= shift && i < shift + 12 && r === 1) from[v] = 1;
    }
    return { to, from };
  };

  it('finds the same distances as the distance transform within its radius, and calls the rest far', () => {
    const ball = offsetBall(sp, 300);
    for (const shift of [0, 6, 20]) {
      const { to, from } = masks(shift);
      const edt = squaredDistanceTransform(to, dims, sp);
      const near = nearDistances(from, to, dims, ball, Infinity)!;
      const exact = Array.from(from.keys())
        .filter((v) => from[v])
        .map((v) => Math.sqrt(edt[v]));
      expect(near.length).toBe(exact.length);
      let far = 0;
      exact.forEach((d, q) => {
        if (d <= ball.radius) expect(near[q]).toBe(d);
        else {
          expect(near[q]).toBe(Infinity);
          far++;
        }
      });
      // The shifted masks really leave voxels beyond the radius (the far branch is exercised).
      if (shift === 20) expect(far).toBeGreaterThan(0);
      if (far > 0) expect(nearDistances(from, to, dims, ball, far - 1)).toBeUndefined();
    }
  });

  it('gives HD95 equal to brute force, near and far (where it falls back to the distance transform)', () => {
    const g = grid(dims, sp);
    for (const shift of [0, 3, 25]) {
      const { to, from } = masks(shift);
      const ref = Int32Array.from(to);
      const pred = Int32Array.from(from);
      const pts = (m: Uint8Array) =>
        Array.from(m.keys())
          .filter((v) => m[v])
          .map((v) => [v % 40, Math.floor(v / 40) % 18, Math.floor(v / 720)]);
      // Isolated voxels are their own boundary, so every marked voxel counts.
      const directed = (a: number[][], b: number[][]) => {
        const d = Float64Array.from(a, (p) =>
          Math.min(...b.map((q) => Math.hypot((p[0] - q[0]) * sp[0], (p[1] - q[1]) * sp[1], (p[2] - q[2]) * sp[2]))),
        );
        d.sort();
        const pos = 0.95 * (d.length - 1);
        const lo = Math.floor(pos);
        return d[lo] + (pos - lo) * (d[Math.min(lo + 1, d.length - 1)] - d[lo]);
      };
      const [p, r] = [pts(from), pts(to)];
      expect(hd95Scores(pred, ref, g, [1]).get(1)).toBeCloseTo(Math.max(directed(p, r), directed(r, p)), 9);
    }
  });
});

describe('deformation metrics', () => {
  it('an affine field has no folding and a constant Jacobian', () => {
    const g = grid([12, 12, 12], [2, 2, 2]);
    const m = deformationMetrics(
      g,
      displacementOnGrid(new AffineTransform(Float64Array.from([1.2, 0, 0, 1, 0, 0.9, 0, 0, 0, 0, 1, 2, 0, 0, 0, 1])), g),
    );
    expect(m.nonPositiveJacobianPercent).toBe(0);
    expect(m.sdLogJacobian).toBeLessThan(1e-5);
    expect(m.minJacobian).toBeCloseTo(1.08, 4);
  });

  it('counts folded voxels', () => {
    const s = jacobianStatistics(Float32Array.from([1, 1, -0.5, 0, 2, 0.5, 1, 1, 1, 1]));
    expect(s.nonPositiveJacobianPercent).toBe(20);
    expect(s.minJacobian).toBe(-0.5);
    expect(s.sdLogJacobian).toBeGreaterThan(5);
  });
});

describe('label counts', () => {
  it('count every non-zero label, small (typed array) and large (map) alike, as a plain tally does', () => {
    const data = Int32Array.from({ length: 5000 }, (_, i) => [0, 3, 3, 70_000, 65_535, 1, 2 ** 31 - 1][i % 7] * (i % 11 === 0 ? 0 : 1));
    const ref = Int32Array.from(data, (l, i) => (i % 5 === 0 ? 3 : l));
    const tally = (a: ArrayLike<number>, keep: (i: number) => boolean = () => true) => {
      const m = new Map<number, number>();
      for (let i = 0; i < a.length; i++) if (a[i] !== 0 && keep(i)) m.set(a[i], (m.get(a[i]) ?? 0) + 1);
      return [...m].sort((x, y) => x[0] - y[0]);
    };
    expect([...labelCounts(data)]).toEqual(tally(data));
    expect([...labelAgreement(data, ref)].sort((x, y) => x[0] - y[0])).toEqual(tally(ref, (i) => data[i] === ref[i]));
  });
});

describe('one pass over a prediction and its reference', () => {
  it('gives the counts, the agreement and the bounding boxes of the separate passes', () => {
    const dims: Vec3 = [23, 17, 11];
    const n = dims[0] * dims[1] * dims[2];
    const pred = Int32Array.from({ length: n }, (_, i) => ((i * 7919) % 13 < 4 ? 0 : 1 + ((i * 31) % 5)));
    const ref = Int32Array.from(pred, (l, i) => (i % 9 === 0 ? 65_535 : i % 4 === 0 ? 3 : l));
    const s = pairStatistics(pred, ref, dims)!;
    expect([...s.counts.pred]).toEqual([...labelCounts(pred)]);
    expect([...s.counts.ref]).toEqual([...labelCounts(ref)]);
    expect([...s.agreement].sort((a, b) => a[0] - b[0])).toEqual([...labelAgreement(pred, ref)].sort((a, b) => a[0] - b[0]));
    const boxes = labelBoxes(pred, ref, dims);
    expect([...s.boxes.pred].sort((a, b) => a[0] - b[0])).toEqual([...boxes.pred].sort((a, b) => a[0] - b[0]));
    expect([...s.boxes.ref].sort((a, b) => a[0] - b[0])).toEqual([...boxes.ref].sort((a, b) => a[0] - b[0]));
    expect(diceScores(pred, ref, { ...s.counts, agreement: s.agreement })).toEqual(diceScores(pred, ref));
    // A label beyond 65535 (or negative): the separate passes, which handle any label, are left to do it.
    expect(
      pairStatistics(
        pred,
        Int32Array.from(ref, (l, i) => (i === 5 ? 70_000 : l)),
        dims,
      ),
    ).toBeUndefined();
    expect(
      pairStatistics(
        Int32Array.from(pred, (l, i) => (i === 5 ? -2 : l)),
        ref,
        dims,
      ),
    ).toBeUndefined();
  });
});
