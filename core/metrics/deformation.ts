/**
 * Deformation quality: the share of voxels whose Jacobian determinant is ≤ 0 (folding), and the
 * standard deviation of log |J| (smoothness), with |J| clipped to [1e-9, 1e9] before the log so
 * folded voxels count as very compressed instead of undefined.
 */
import type { Grid } from '../volume/volume.js';
import { jacobianDeterminant } from '../kernels/jacobian.js';

export interface DeformationMetrics {
  /** Percentage (0–100) of voxels with det J ≤ 0. */
  nonPositiveJacobianPercent: number;
  sdLogJacobian: number;
  minJacobian: number;
  maxJacobian: number;
}

export function jacobianStatistics(det: Float32Array): DeformationMetrics {
  let nonPos = 0;
  let sum = 0;
  let sum2 = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < det.length; i++) {
    const d = det[i];
    if (d <= 0) nonPos++;
    if (d < min) min = d;
    if (d > max) max = d;
    const l = Math.log(Math.min(1e9, Math.max(1e-9, d)));
    sum += l;
    sum2 += l * l;
  }
  const n = det.length;
  const mean = sum / n;
  return {
    nonPositiveJacobianPercent: (100 * nonPos) / n,
    sdLogJacobian: Math.sqrt(Math.max(0, sum2 / n - mean * mean)),
    minJacobian: min,
    maxJacobian: max,
  };
}

export function deformationMetrics(grid: Grid, fieldMm: Float32Array): DeformationMetrics {
  return jacobianStatistics(jacobianDeterminant(grid, fieldMm));
}
