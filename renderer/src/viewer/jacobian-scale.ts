/**
 * The scale of the Jacobian view. det J is shown on a log₂ scale, symmetric about det J = 1 (no
 * volume change), so that halving and doubling a volume get colours of the same strength. The scale
 * reaches ±r, r the 98th percentile of |log₂ det J| over the transferred labels (the anatomy the
 * result is about), kept between ×1.25 and ×4: a smooth field still shows its expansion and
 * compression, and a wild one does not turn every modest change pale. Values beyond ±r take the
 * end colours; folding (det J ≤ 0) gets its own value below the scale. Pure arithmetic (no DOM, no
 * Cornerstone), so it is unit-tested (test/unit/jacobian-scale.test.ts).
 */

/** Bounds and shape of the scale. */
export const JACOBIAN_SCALE = {
  /** Percentile of |log₂ det J| that the ends of the scale reach. */
  percentile: 0.98,
  /** The scale reaches at least det J = 1.25 and 1 / 1.25 … */
  minFactor: 1.25,
  /** … and at most 4 and 1 / 4. */
  maxFactor: 4,
  /** See-through band: |log₂ det J| / r below this is not coloured (the anatomy shows as it is). */
  clear: 0.06,
  /** From here on the colour has its full opacity. */
  opaque: 0.25,
} as const;

/** The mapped value of folded voxels (det J ≤ 0): below the scale's −1. */
export const FOLDED = -2;

/** r, the half-range of the scale in log₂ det J, from the field's values where `mask` is non-zero (everywhere without a mask). */
export function jacobianScale(det: ArrayLike<number>, mask?: ArrayLike<number>): number {
  const lo = Math.log2(JACOBIAN_SCALE.minFactor);
  const hi = Math.log2(JACOBIAN_SCALE.maxFactor);
  const step = Math.max(1, Math.floor(det.length / 400_000));
  const sample: number[] = [];
  for (let i = 0; i < det.length; i += step) if ((!mask || mask[i]) && det[i] > 0) sample.push(Math.abs(Math.log2(det[i])));
  if (!sample.length) return lo;
  sample.sort((a, b) => a - b);
  const p = sample[Math.min(sample.length - 1, Math.floor(JACOBIAN_SCALE.percentile * sample.length))];
  return Math.min(hi, Math.max(lo, p));
}

/**
 * The volume the view draws: log₂ det J / r clamped to [−1, 1], and FOLDED where det J ≤ 0 (or not
 * a number); 0 (see-through) where `inside` is given and zero (outside the head: air).
 */
export function jacobianValues(det: ArrayLike<number>, r: number, inside?: (i: number) => boolean): Float32Array {
  const out = new Float32Array(det.length);
  for (let i = 0; i < det.length; i++) {
    if (inside && !inside(i)) continue;
    const d = det[i];
    out[i] = d > 0 ? Math.max(-1, Math.min(1, Math.log2(d) / r)) : FOLDED;
  }
  return out;
}

/** det J at a position t ∈ [−1, 1] of the scale. */
export const detAt = (t: number, r: number): number => 2 ** (t * r);

/** Labels of the colour bar: det J at −1, −½, 0, ½, 1 of the scale (two decimals). */
export function jacobianTicks(r: number): { t: number; label: string }[] {
  return [-1, -0.5, 0, 0.5, 1].map((t) => ({ t, label: t === 0 ? '1' : detAt(t, r).toFixed(2) }));
}
