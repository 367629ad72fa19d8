/** Intensity statistics and normalisation on typed arrays. */

/**
 * Percentiles (0–100) as exact order statistics: the value of rank ⌈p/100 · n⌉ among the (masked,
 * finite) values. Found by narrowing a histogram onto the bin that holds the rank, so a few extreme
 * values (one voxel at 1e7 beside values in the hundreds) cannot squeeze the rest into one bin.
 * O(n) per pass, a handful of passes, no copy of the data.
 */
export function percentiles(data: ArrayLike<number>, ps: number[], mask?: ArrayLike<number>): number[] {
  let lo = Infinity;
  let hi = -Infinity;
  let n = 0;
  for (let i = 0; i < data.length; i++) {
    if (mask && !mask[i]) continue;
    const v = data[i];
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
    n++;
  }
  if (n === 0) return ps.map(() => 0);
  const first = histogram(data, mask, lo, hi);
  return ps.map((p) => {
    const rank = Math.min(n - 1, Math.max(0, Math.ceil((Math.min(Math.max(p, 0), 100) / 100) * n) - 1));
    return valueOfRank(data, mask, rank, lo, hi, first);
  });
}

const BINS = 4096;
/** Below this many candidates the rank is read off a sorted copy (a histogram pass is cheaper above). */
const SORT_BELOW = 4096;
/** Each pass narrows the range ~4096-fold; doubles need far fewer than this. */
const MAX_PASSES = 40;

interface Histogram {
  count: Float64Array;
  /** Smallest and largest value that fell in each bin. */
  binMin: Float64Array;
  binMax: Float64Array;
  /** Values in [lo, hi]. */
  total: number;
}

/** BINS equal bins over [lo, hi] (hi > lo, scale finite). Bins are monotone in the value. */
function histogram(data: ArrayLike<number>, mask: ArrayLike<number> | undefined, lo: number, hi: number): Histogram | undefined {
  const scale = BINS / (hi - lo);
  if (!(hi > lo) || !Number.isFinite(scale)) return undefined;
  const count = new Float64Array(BINS);
  const binMin = new Float64Array(BINS).fill(Infinity);
  const binMax = new Float64Array(BINS).fill(-Infinity);
  let total = 0;
  for (let i = 0; i < data.length; i++) {
    if (mask && !mask[i]) continue;
    const v = data[i];
    if (!(v >= lo && v <= hi)) continue;
    const b = Math.min(BINS - 1, Math.floor((v - lo) * scale));
    count[b]++;
    if (v < binMin[b]) binMin[b] = v;
    if (v > binMax[b]) binMax[b] = v;
    total++;
  }
  return { count, binMin, binMax, total };
}

/**
 * The value of 0-based `rank` among the finite (masked) values, all of which lie in [lo, hi];
 * `first` is the histogram over [lo, hi] when already computed.
 */
function valueOfRank(
  data: ArrayLike<number>,
  mask: ArrayLike<number> | undefined,
  rank: number,
  lo: number,
  hi: number,
  first?: Histogram,
): number {
  let below = 0; // values smaller than lo
  let h = first;
  for (let pass = 0; ; pass++) {
    if (!(hi > lo)) return lo;
    h ??= histogram(data, mask, lo, hi);
    if (!h || pass >= MAX_PASSES || h.total <= SORT_BELOW) return sortedRank(data, mask, lo, hi, rank - below);
    let b = 0;
    while (below + h.count[b] <= rank) below += h.count[b++];
    // Bins are monotone in the value, so [binMin, binMax] holds exactly this bin's values.
    lo = h.binMin[b];
    hi = h.binMax[b];
    h = undefined;
  }
}

function sortedRank(data: ArrayLike<number>, mask: ArrayLike<number> | undefined, lo: number, hi: number, rank: number): number {
  let count = 0;
  for (let i = 0; i < data.length; i++) {
    if (mask && !mask[i]) continue;
    const v = data[i];
    if (v >= lo && v <= hi) count++;
  }
  // A typed array sorts numerically in native code (no comparator calls).
  const values = new Float64Array(count);
  let n = 0;
  for (let i = 0; i < data.length; i++) {
    if (mask && !mask[i]) continue;
    const v = data[i];
    if (v >= lo && v <= hi) values[n++] = v;
  }
  values.sort();
  return values[Math.min(values.length - 1, Math.max(0, rank))];
}

/** The `low` and `high` percentiles: the range robust normalisation maps onto [0, 1]. */
export function robustRange(data: ArrayLike<number>, low = 1, high = 99): [number, number] {
  const [a, b] = percentiles(data, [low, high]);
  return [a, b];
}

/** Values at `range[0]` map to 0 and at `range[1]` to 1, clipped, into `out` (default a new array). */
export function normalizeToRange(
  data: ArrayLike<number>,
  [a, b]: [number, number],
  out: Float32Array = new Float32Array(data.length),
): Float32Array {
  const range = b - a;
  if (!(range > 0)) return out;
  for (let i = 0; i < data.length; i++) out[i] = Math.min(1, Math.max(0, (data[i] - a) / range));
  return out;
}

/**
 * Robust normalisation to [0, 1]: values at the `low` percentile map to 0 and at the `high`
 * percentile to 1, clipped. Returns a new Float32Array.
 */
export function normalizeRobust(data: ArrayLike<number>, low = 1, high = 99): Float32Array {
  return normalizeToRange(data, robustRange(data, low, high));
}

/** True when a robust range (robustRange) has (nearly) no contrast: nothing to register on. */
export function isConstantRange([a, b]: [number, number]): boolean {
  return !(b - a > 1e-6 * Math.max(1, Math.abs(a), Math.abs(b)));
}

/** True when the image has (nearly) no contrast: nothing to register on. */
export function isConstant(data: ArrayLike<number>): boolean {
  return isConstantRange(robustRange(data));
}
