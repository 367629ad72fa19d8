import { describe, expect, it } from 'vitest';
import { warpTrilinear, warpTrilinearBackward, displacementWorldToIndex, displacementIndexToWorld } from '../../core/kernels/warp.js';
import { composeDisplacements } from '../../core/kernels/compose.js';
import { jacobianDeterminant, jacobianDeterminantAt, jacobianDeterminantIndex } from '../../core/kernels/jacobian.js';
import { resampleToGrid, resampleAffine } from '../../core/kernels/resample.js';
import { normalizeRobust, percentiles } from '../../core/kernels/intensity.js';
import { centreOfMassWorld, downsample2 } from '../../core/kernels/pyramid.js';
import { diceScores } from '../../core/metrics/overlap.js';
import { gridPointsWorld, AffineTransform, displacementOnGrid } from '../../core/registration/transform.js';
import type { Mat3, Vec3 } from '../../core/volume/volume.js';
import { fromWorldFunction, grid, phantom } from '../helpers/synthetic.js';

function rng(seed: number) {
  let s = seed >>> 0;
  return () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
}

describe('trilinear warp by a dense displacement field', () => {
  it('matches a hand-computed case', () => {
    // 3×3×3 image with a single bright voxel at the centre.
    const dims: Vec3 = [3, 3, 3];
    const img = new Float32Array(27);
    img[13] = 8;
    const disp = new Float32Array(81);
    // At voxel (0,1,1) look 0.75 voxels to the right: 0.75 · 8 = 6.
    disp[3 * 12] = 0.75;
    // At voxel (1,0,1) look at (1.5, 0.5, 1): weight 0.5·0.5 on the centre → 2.
    disp[3 * 10] = 0.5;
    disp[3 * 10 + 1] = 0.5;
    // At the centre, move half a voxel outside along k towards the border: 0.5 · 8 = 4.
    disp[3 * 13 + 2] = 0.5;
    const out = warpTrilinear(img, dims, disp);
    expect(out[12]).toBeCloseTo(6, 6);
    expect(out[10]).toBeCloseTo(2, 6);
    expect(out[13]).toBeCloseTo(4, 6);
    // Linear images are reproduced exactly by trilinear interpolation.
    const lin = new Float32Array(4 * 4 * 4).map((_, v) => (v % 4) + 10 * (Math.floor(v / 4) % 4) + 100 * Math.floor(v / 16));
    const shift = new Float32Array(3 * 64).map((_, i) => [0.25, 0.5, -0.5][i % 3]);
    const w = warpTrilinear(lin, [4, 4, 4], shift);
    const v = 1 + 4 * (1 + 4 * 2);
    expect(w[v]).toBeCloseTo(1.25 + 10 * 1.5 + 100 * 1.5, 4);
  });

  it('the centre-looking voxel gets a quarter of its value', () => {
    const img = new Float32Array(27);
    img[13] = 8;
    const disp = new Float32Array(81);
    // voxel (1,0,1) = index 10: look at (1, 0.5, 1): half way between (1,0,1) and (1,1,1) → 4
    disp[3 * 10 + 1] = 0.5;
    expect(warpTrilinear(img, [3, 3, 3], disp)[10]).toBeCloseTo(4, 6);
    // and at (1.5, 0.5, 1): a quarter → 2
    disp[3 * 10] = 0.5;
    expect(warpTrilinear(img, [3, 3, 3], disp)[10]).toBeCloseTo(2, 6);
  });

  it('gradients with respect to the field and the image match finite differences', () => {
    const r = rng(1);
    const dims: Vec3 = [7, 6, 5];
    const n = 7 * 6 * 5;
    const img = new Float32Array(n).map(() => r());
    const disp = new Float32Array(3 * n).map(() => (r() - 0.5) * 2.3 + 0.013);
    const g = new Float32Array(n).map(() => r() - 0.5);
    const loss = (im: Float32Array, d: Float32Array) => warpTrilinear(im, dims, d).reduce((s, v, i) => s + v * g[i], 0);
    const gradImage = new Float32Array(n);
    const gradDisp = warpTrilinearBackward(img, dims, disp, g, gradImage);
    const h = 1e-3;
    let checked = 0;
    for (let t = 0; t < 60; t++) {
      const idx = Math.floor(r() * 3 * n);
      const frac = disp[idx] - Math.floor(disp[idx]);
      if (frac < 0.01 || frac > 0.99) continue; // trilinear is not differentiable at integer offsets
      const p = Float32Array.from(disp);
      const m = Float32Array.from(disp);
      p[idx] += h;
      m[idx] -= h;
      const fd = (loss(img, p) - loss(img, m)) / (2 * h);
      expect(Math.abs(fd - gradDisp[idx])).toBeLessThan(2e-3 + 2e-3 * Math.abs(fd));
      checked++;
    }
    expect(checked).toBeGreaterThan(40);
    for (let t = 0; t < 20; t++) {
      const idx = Math.floor(r() * n);
      const p = Float32Array.from(img);
      const m = Float32Array.from(img);
      p[idx] += 0.01;
      m[idx] -= 0.01;
      const fd = (loss(p, disp) - loss(m, disp)) / 0.02;
      expect(gradImage[idx]).toBeCloseTo(fd, 3);
    }
  });

  it('converts displacements between world millimetres and voxel units', () => {
    const g = grid([4, 4, 4], [2, 3, 4], [0, 0, 0], [0, -1, 0, 1, 0, 0, 0, 0, 1]);
    const mm = Float32Array.from({ length: 12 }, (_, i) => i - 5);
    const idx = displacementWorldToIndex(g, mm);
    // world (0, 2, 0) mm along +y = index axis i (direction column 0 is (0,1,0)) at 2 mm → 1 voxel in i
    const one = displacementWorldToIndex(g, Float32Array.from([0, 2, 0]));
    expect(Array.from(one).map((x) => +x.toFixed(6))).toEqual([1, 0, 0]);
    Array.from(displacementIndexToWorld(g, idx)).forEach((v, i) => expect(v).toBeCloseTo(mm[i], 5));
  });
});

describe('composition and Jacobian of displacement fields', () => {
  it('composes constant and affine fields exactly in the interior', () => {
    const dims: Vec3 = [8, 8, 8];
    const n = 512;
    const a = new Float32Array(3 * n).map((_, i) => (i % 3 === 0 ? 1 : 0));
    const b = new Float32Array(3 * n).map((_, i) => (i % 3 === 1 ? 2 : 0));
    const c = composeDisplacements(a, b, dims);
    expect(Array.from(c.subarray(3 * 100, 3 * 100 + 3))).toEqual([1, 2, 0]);
    // Affine fields: φ_a(p) = 0.9p + 0.3, φ_b(p) = 1.1p − 0.2  →  φ_b∘φ_a(p) = 0.99p + 0.13
    const pts = gridPointsWorld(grid(dims));
    const fa = pts.map((p) => -0.1 * p + 0.3);
    const fb = pts.map((p) => 0.1 * p - 0.2);
    const fc = composeDisplacements(Float32Array.from(fa), Float32Array.from(fb), dims);
    for (const v of [3 * (2 + 8 * (3 + 8 * 4)), 3 * (5 + 8 * (5 + 8 * 5))]) {
      for (let d = 0; d < 3; d++) expect(fc[v + d]).toBeCloseTo(-0.01 * pts[v + d] + 0.13, 4);
    }
  });

  it('Jacobian determinant of an affine field equals det(A), on an oblique anisotropic grid', () => {
    const c = Math.cos(0.4);
    const s = Math.sin(0.4);
    const g = grid([10, 9, 8], [1.5, 2, 2.5], [-10, 5, 3], [c, -s, 0, s, c, 0, 0, 0, 1]);
    const A: Mat3 = [1.1, 0.2, 0, -0.1, 0.9, 0.05, 0.02, 0, 1.2];
    const detA = A[0] * (A[4] * A[8] - A[5] * A[7]) - A[1] * (A[3] * A[8] - A[5] * A[6]) + A[2] * (A[3] * A[7] - A[4] * A[6]);
    const m = Float64Array.from([A[0], A[1], A[2], 3, A[3], A[4], A[5], -2, A[6], A[7], A[8], 1, 0, 0, 0, 1]);
    const field = displacementOnGrid(new AffineTransform(m), g);
    const det = jacobianDeterminant(g, field);
    for (const v of [0, 17, 350, det.length - 1]) expect(det[v]).toBeCloseTo(detA, 4);
  });

  it('Jacobian determinant on a whole grid equals the per-voxel definition exactly (borders and interior)', () => {
    const r = rng(7);
    for (const dims of [
      [9, 7, 6],
      [2, 5, 4],
      [6, 1, 3],
    ] as Vec3[]) {
      const n = dims[0] * dims[1] * dims[2];
      const w = new Float32Array(3 * n).map(() => (r() - 0.5) * 1.5);
      const det = jacobianDeterminantIndex(w, dims);
      const expected = new Float32Array(n);
      for (let k = 0, v = 0; k < dims[2]; k++)
        for (let j = 0; j < dims[1]; j++) for (let i = 0; i < dims[0]; i++, v++) expected[v] = jacobianDeterminantAt(w, dims, i, j, k);
      expect(Array.from(det)).toEqual(Array.from(expected));
    }
  });
});

describe('resampling between grids', () => {
  it('resamples the same object between two different grids (spacing, origin, orientation)', () => {
    const a = fromWorldFunction(grid([64, 56, 48], [1, 1, 1], [-32, -28, -24]), (x, y, z) => phantom(x, y, z));
    // An oblique grid: rotated 90° about z, 1.5 mm × 1.25 mm × 2 mm, shifted origin.
    const bGrid = grid([36, 40, 22], [1.25, 1.5, 2], [24, -22, -21], [0, -1, 0, 1, 0, 0, 0, 0, 1]);
    const truth = fromWorldFunction(bGrid, (x, y, z) => phantom(x, y, z));
    const res = resampleToGrid(a, bGrid, 'linear');
    let err = 0;
    for (let i = 0; i < truth.data.length; i++) err += Math.abs(res.data[i] - truth.data[i]);
    expect(err / truth.data.length).toBeLessThan(0.01);
    // Labels: the inner ellipsoid thresholded on both grids.
    const lab = (v: { data: ArrayLike<number> }) => Int32Array.from(v.data, (x) => (x > 0.55 ? 2 : x > 0.15 ? 1 : 0));
    const la = { ...a, data: lab(a) };
    const resLab = resampleToGrid(la, bGrid, 'label-linear');
    const resNn = resampleToGrid(la, bGrid, 'nearest');
    const d = diceScores(resLab.data, lab(truth));
    expect(d.get(1)!.dice).toBeGreaterThan(0.95);
    expect(d.get(2)!.dice).toBeGreaterThan(0.9);
    expect(diceScores(resNn.data, lab(truth)).get(1)!.dice).toBeGreaterThan(0.93);
  });

  it('applies an affine map target world → source world', () => {
    const src = fromWorldFunction(grid([40, 40, 40], [1, 1, 1], [-20, -20, -20]), (x, y, z) => x + 2 * y - z);
    const tgt = grid([5, 5, 5], [2, 2, 2], [-4, -4, -4]);
    const m = [1, 0, 0, 3, 0, 1, 0, -2, 0, 0, 1, 1, 0, 0, 0, 1];
    const out = resampleAffine(src, tgt, 'linear', m);
    const exp = fromWorldFunction(tgt, (x, y, z) => x + 3 + 2 * (y - 2) - (z + 1));
    Array.from(out.data).forEach((v, i) => expect(v).toBeCloseTo(exp.data[i], 4));
  });
});

describe('intensity and centre of mass', () => {
  it('robust normalisation maps percentiles to [0, 1]', () => {
    const data = Float32Array.from({ length: 10000 }, (_, i) => i);
    const [p1, p99] = percentiles(data, [1, 99]);
    expect(p1).toBeCloseTo(100, -1);
    expect(p99).toBeCloseTo(9900, -1);
    const n = normalizeRobust(data);
    expect(n[0]).toBe(0);
    expect(n[9999]).toBe(1);
    expect(n[5000]).toBeCloseTo(0.5, 2);
  });

  it('centre of mass is found in world coordinates and survives downsampling', () => {
    const g = grid([40, 40, 40], [2, 2, 2], [-30, -50, 10], [0, 1, 0, -1, 0, 0, 0, 0, 1]);
    const c: Vec3 = [10, -90, 45]; // inside: x ∈ [−30, 48], y ∈ [−128, −50], z ∈ [10, 88]
    const vol = fromWorldFunction(g, (x, y, z) => (Math.hypot(x - c[0], y - c[1], z - c[2]) < 12 ? 1 : 0));
    centreOfMassWorld(vol, vol.data).forEach((v, i) => expect(v).toBeCloseTo(c[i], 0));
    const low = downsample2(vol);
    expect(low.dims).toEqual([20, 20, 20]);
    centreOfMassWorld(low, low.data).forEach((v, i) => expect(Math.abs(v - c[i])).toBeLessThan(0.5));
  });
});
