/**
 * Voxels per non-zero label of a label map: the one counting pass behind label volumes and Dice.
 * Labels below 2¹⁶ (every atlas LabelWarp is meant for) are tallied in a typed array, larger ones
 * in a Map; the counts are the same either way.
 */
const DENSE = 1 << 16;

/** Voxel count of every non-zero label, in increasing label order. */
export function labelCounts(data: ArrayLike<number>): Map<number, number> {
  const dense = new Float64Array(DENSE);
  const sparse = new Map<number, number>();
  for (let i = 0; i < data.length; i++) {
    const l = data[i];
    if (l === 0) continue;
    if (l > 0 && l < DENSE) dense[l]++;
    else sparse.set(l, (sparse.get(l) ?? 0) + 1);
  }
  for (let l = 1; l < DENSE; l++) if (dense[l] > 0) sparse.set(l, dense[l]);
  return new Map([...sparse].sort((a, b) => a[0] - b[0]));
}

/** Voxels per label where `pred` equals the non-zero label of `ref` (the intersections behind Dice). */
export function labelAgreement(pred: ArrayLike<number>, ref: ArrayLike<number>): Map<number, number> {
  const dense = new Float64Array(DENSE);
  const sparse = new Map<number, number>();
  for (let i = 0; i < ref.length; i++) {
    const l = ref[i];
    if (l === 0 || pred[i] !== l) continue;
    if (l > 0 && l < DENSE) dense[l]++;
    else sparse.set(l, (sparse.get(l) ?? 0) + 1);
  }
  for (let l = 1; l < DENSE; l++) if (dense[l] > 0) sparse.set(l, dense[l]);
  return sparse;
}
