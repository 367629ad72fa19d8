import { describe, expect, it } from 'vitest';
import { compose, warpOntoFixed } from '../../core/engines/compose.js';
import { affineStep } from '../../core/engines/affine/step.js';
import type { RegistrationStep } from '../../core/engines/engine.js';
import { AffineTransform, CompositeTransform } from '../../core/registration/transform.js';
import { negNcc } from '../../core/registration/similarity.js';
import { centreOfMassWorld } from '../../core/kernels/pyramid.js';
import { resampleToGrid } from '../../core/kernels/resample.js';
import { applyMatrix4, sameGrid } from '../../core/volume/volume.js';
import type { Vec3 } from '../../core/volume/volume.js';
import type { Progress } from '../../core/pipeline/progress.js';
import { affinePhantomPair, fromWorldFunction, grid, phantom, KNOWN_AFFINE } from '../helpers/synthetic.js';

const TRUE = KNOWN_AFFINE;

const translation = (t: Vec3) => new AffineTransform(Float64Array.from([1, 0, 0, t[0], 0, 1, 0, t[1], 0, 0, 1, t[2], 0, 0, 0, 1]));

/** A step that always returns the translation `t`, recording what it was given. */
function knownTranslationStep(t: Vec3, seen: { ncc?: number; sameGrid?: boolean; data?: Float32Array }): RegistrationStep {
  return {
    name: 'shift',
    async register(fixed, moving, ctx = {}) {
      seen.sameGrid = sameGrid(fixed, moving);
      seen.data = moving.data as Float32Array;
      seen.ncc = -negNcc(fixed.data as Float32Array, moving.data as Float32Array).loss;
      ctx.onProgress?.({ stage: 'shift', fraction: 1 });
      return { transform: translation(t), warnings: ['shift: a warning'], details: { applied: t.join(',') } };
    },
    dispose() {},
  };
}

/** A real (if simple) translation estimator: aligns the intensity centres of mass. */
const centroidStep: RegistrationStep = {
  name: 'centroid',
  async register(fixed, moving) {
    const cf = centreOfMassWorld(fixed, fixed.data, 0.1);
    const cm = centreOfMassWorld(moving, moving.data, 0.1);
    const t: Vec3 = [cm[0] - cf[0], cm[1] - cf[1], cm[2] - cf[2]];
    return { transform: translation(t), warnings: [], details: { shift: Math.hypot(...t) } };
  },
  dispose() {},
};

function worstError(map: (p: Float64Array) => Float64Array, truth: (p: Vec3) => Vec3): number {
  let worst = 0;
  for (const x of [-18, 18])
    for (const y of [-14, 14])
      for (const z of [-10, 10]) {
        const p = map(Float64Array.from([x, y, z]));
        const q = truth([x, y, z]);
        worst = Math.max(worst, Math.hypot(p[0] - q[0], p[1] - q[1], p[2] - q[2]));
      }
  return worst;
}

describe('composition of registration steps', () => {
  const { fixed, moving } = affinePhantomPair();

  it('affine then a known translation step: the composite recovers both, the second step sees the warped template', async () => {
    const t: Vec3 = [2.5, -1.5, 1];
    const seen: { ncc?: number; sameGrid?: boolean; data?: Float32Array } = {};
    const progress: Progress[] = [];
    const step = compose(affineStep({ levels: 3, iterations: [150, 100, 60], role: 'pre-alignment' }), knownTranslationStep(t, seen), {
      split: 0.4,
    });
    const out = await step.register(fixed, moving, { onProgress: (p) => progress.push(p) });
    // x ↦ TRUE(x + t): the translation (second step) acts first, in the scan's space, then the affine.
    expect(
      worstError(
        (p) => out.transform.mapPointsWorld(p),
        (p) => applyMatrix4(TRUE, [p[0] + t[0], p[1] + t[1], p[2] + t[2]]),
      ),
    ).toBeLessThan(1);
    // …and not the other order: TRUE(x) + t differs by several mm.
    expect(
      worstError(
        (p) => out.transform.mapPointsWorld(p),
        (p) => applyMatrix4(TRUE, p).map((v, i) => v + t[i]) as Vec3,
      ),
    ).toBeGreaterThan(0.1);
    expect(out.transform).toBeInstanceOf(CompositeTransform);
    expect(out.transform.describe()).toEqual({
      kind: 'composite',
      transforms: [translation(t).describe(), expect.objectContaining({ kind: 'affine' })],
    });
    // The second step got the template warped by the first onto the scan's grid: nearly the scan itself.
    expect(seen.sameGrid).toBe(true);
    const unaligned = -negNcc(fixed.data, resampleToGrid(moving, fixed, 'linear').data as Float32Array).loss;
    expect(seen.data).toEqual(warpOntoFixed(moving, fixed, (out.transform as CompositeTransform).transforms[1]).data);
    expect(seen.ncc).toBeGreaterThan(0.9);
    expect(seen.ncc).toBeGreaterThan(unaligned + 0.05);
    // Warnings and details of both, progress through both in order.
    expect(out.warnings).toEqual(['shift: a warning']);
    expect(out.details['affine.ncc']).toBeGreaterThan(0.95);
    expect(out.details['shift.applied']).toBe(t.join(','));
    const fractions = progress.map((p) => p.fraction);
    expect(fractions.every((f, i) => i === 0 || f >= fractions[i - 1] - 1e-12)).toBe(true);
    expect(Math.max(...progress.filter((p) => p.stage === 'affine').map((p) => p.fraction))).toBeLessThanOrEqual(0.4 + 1e-12);
    expect(progress.at(-1)).toMatchObject({ stage: 'shift', fraction: 1 });
  });

  it('running a step twice is composition: the second pass finds what the first left', async () => {
    const shift: Vec3 = [3.2, -2.4, 1.7];
    const shifted = fromWorldFunction(grid([40, 40, 30], [2, 1.8, 2.1], [-38, -34, -30]), (x, y, z) =>
      phantom(x - shift[0], y - shift[1], z - shift[2]),
    );
    const twice = await compose(centroidStep, centroidStep, { name: 'twice' }).register(fixed, shifted);
    const truth = (p: Vec3): Vec3 => [p[0] + shift[0], p[1] + shift[1], p[2] + shift[2]];
    expect(worstError((p) => twice.transform.mapPointsWorld(p), truth)).toBeLessThan(0.1);
    // The first pass found the shift; the second, on the shifted-back template, almost nothing.
    expect(twice.details['centroid.shift']).toBeCloseTo(Math.hypot(...shift), 1);
    expect(twice.details['centroid2.shift']).toBeLessThan(0.05);
    // Nested composites stay one flat list of transforms.
    const thrice = await compose(compose(centroidStep, centroidStep), centroidStep).register(fixed, shifted);
    expect((thrice.transform as CompositeTransform).transforms).toHaveLength(3);
    expect(Object.keys(twice.details)).toEqual(['centroid.shift', 'centroid2.shift']);
  });
});
