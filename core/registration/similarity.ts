/**
 * Image similarity terms on typed arrays: each returns a loss (lower is better) and its
 * gradient with respect to the warped image, so any transform model can chain it.
 */

export interface SimilarityResult {
  loss: number;
  /** dLoss/dWarped, one value per voxel. */
  grad: Float32Array;
}

/**
 * Negative global normalised cross-correlation over the voxels where `weight` is non-zero
 * (all voxels when omitted). NCC is invariant to linear intensity changes, so it works across
 * scanners of the same contrast.
 */
export function negNcc(fixed: Float32Array, warped: Float32Array, weight?: Float32Array): SimilarityResult {
  const n = fixed.length;
  let sw = 0;
  let sf = 0;
  let sm = 0;
  for (let i = 0; i < n; i++) {
    const w = weight ? weight[i] : 1;
    sw += w;
    sf += w * fixed[i];
    sm += w * warped[i];
  }
  const grad = new Float32Array(n);
  if (sw <= 0) return { loss: 0, grad };
  const mf = sf / sw;
  const mm = sm / sw;
  let cov = 0;
  let vf = 0;
  let vm = 0;
  for (let i = 0; i < n; i++) {
    const w = weight ? weight[i] : 1;
    const a = fixed[i] - mf;
    const b = warped[i] - mm;
    cov += w * a * b;
    vf += w * a * a;
    vm += w * b * b;
  }
  const eps = 1e-8 * sw;
  const denom = Math.sqrt((vf + eps) * (vm + eps));
  const ncc = cov / denom;
  // d ncc / d m_i = w_i [ (f_i − mf) / denom − ncc (m_i − mm) / (vm + eps) ]
  for (let i = 0; i < n; i++) {
    const w = weight ? weight[i] : 1;
    if (w === 0) continue;
    grad[i] = -w * ((fixed[i] - mf) / denom - (ncc * (warped[i] - mm)) / (vm + eps));
  }
  return { loss: -ncc, grad };
}
