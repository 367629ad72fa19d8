/** Intensity statistics and normalisation on typed arrays. */

/** Approximate percentiles (0–100) by a 4096-bin histogram between min and max. */
export function percentiles(data: ArrayLike<number>, ps: number[], mask?: ArrayLike<number>): number[] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < data.length; i++) {
    if (mask && !mask[i]) continue;
    const v = data[i];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (!(hi > lo)) return ps.map(() => (Number.isFinite(lo) ? lo : 0));
  const bins = 4096;
  const hist = new Float64Array(bins);
  const scale = (bins - 1) / (hi - lo);
  let n = 0;
  for (let i = 0; i < data.length; i++) {
    if (mask && !mask[i]) continue;
    hist[Math.floor((data[i] - lo) * scale)]++;
    n++;
  }
  return ps.map((p) => {
    const target = (Math.min(Math.max(p, 0), 100) / 100) * n;
    let acc = 0;
    for (let b = 0; b < bins; b++) {
      acc += hist[b];
      if (acc >= target) return lo + (b + 0.5) / scale;
    }
    return hi;
  });
}

/**
 * Robust normalisation to [0, 1]: values at the `low` percentile map to 0 and at the `high`
 * percentile to 1, clipped. Returns a new Float32Array.
 */
export function normalizeRobust(data: ArrayLike<number>, low = 1, high = 99): Float32Array {
  const [a, b] = percentiles(data, [low, high]);
  const out = new Float32Array(data.length);
  const range = b - a;
  if (!(range > 0)) return out;
  for (let i = 0; i < data.length; i++) out[i] = Math.min(1, Math.max(0, (data[i] - a) / range));
  return out;
}

/** True when the image has (nearly) no contrast: nothing to register on. */
export function isConstant(data: ArrayLike<number>): boolean {
  const [a, b] = percentiles(data, [1, 99]);
  return !(b - a > 1e-6 * Math.max(1, Math.abs(a), Math.abs(b)));
}
