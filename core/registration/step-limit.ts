/**
 * How much of a Gauss-Newton update Δu each voxel takes (a scale in (0, 1] per voxel), shared by
 * inference (gauss-newton.ts) and the differentiable steps used in training:
 *
 * - the step is at most `maxStep` voxels long;
 * - fold-aware (with `minJacobian` > 0): where the update would push det(I + ∇u) below
 *   `minJacobian` and below its value before the step, the step is halved at that voxel and at the
 *   neighbours its central differences read, up to `halvings` times. Regions that are already
 *   folded may still unfold (their determinant rises), and the rest of the field takes the full step.
 *
 * det J is the definition of the metrics (core/kernels/jacobian.ts), in voxel units of the lattice.
 */
import type { Vec3 } from '../volume/volume.js';
import { jacobianDeterminantAt, jacobianDeterminantIndex } from '../kernels/jacobian.js';

export interface StepLimit {
  /** Largest update per voxel, in voxels. */
  maxStep: number;
  /** Fold-aware steps keep det J at least this where the step would lower it (0: off). */
  minJacobian?: number;
  /** At most this many halvings (default 5). */
  halvings?: number;
}

export function stepScale(u: Float32Array, du: Float32Array, dims: Vec3, limit: StepLimit): Float32Array {
  const [nx, ny, nz] = dims;
  const n = nx * ny * nz;
  const scale = new Float32Array(n);
  const max2 = limit.maxStep * limit.maxStep;
  for (let v = 0; v < n; v++) {
    // The squared length first (Math.hypot is slow in V8, and most steps are short).
    const len2 = du[3 * v] * du[3 * v] + du[3 * v + 1] * du[3 * v + 1] + du[3 * v + 2] * du[3 * v + 2];
    scale[v] = len2 > max2 ? limit.maxStep / Math.sqrt(len2) : 1;
  }
  const minJ = limit.minJacobian ?? 0;
  if (!(minJ > 0)) return scale;
  const trial = new Float32Array(3 * n);
  const apply = (v: number) => {
    for (let c = 0; c < 3; c++) trial[3 * v + c] = u[3 * v + c] + scale[v] * du[3 * v + c];
  };
  for (let v = 0; v < n; v++) apply(v);
  const nxy = nx * ny;
  const at = (w: Float32Array, v: number) => jacobianDeterminantAt(w, dims, v % nx, Math.floor(v / nx) % ny, Math.floor(v / nxy));
  /** v and its 6 neighbours: the voxels det J at v reads, and those whose det J reads v. */
  const stencil = (v: number, into: Set<number>) => {
    const i = v % nx;
    const j = Math.floor(v / nx) % ny;
    const k = Math.floor(v / nxy);
    into.add(v);
    if (i > 0) into.add(v - 1);
    if (i < nx - 1) into.add(v + 1);
    if (j > 0) into.add(v - nx);
    if (j < ny - 1) into.add(v + nx);
    if (k > 0) into.add(v - nxy);
    if (k < nz - 1) into.add(v + nxy);
  };
  const worse = (v: number) => {
    const after = at(trial, v);
    return after < minJ && after < at(u, v);
  };
  // The first check covers every voxel: det J of the trial field in one pass over the lattice.
  const first = jacobianDeterminantIndex(trial, dims);
  let halve = new Set<number>();
  // That pass is in single precision: it only picks the candidates (fround keeps the order, so every
  // voxel whose double det J is below minJ passes), and the decision is made in double as before.
  const minJ32 = Math.fround(minJ);
  for (let v = 0; v < n; v++) if (first[v] <= minJ32 && worse(v)) stencil(v, halve);
  for (let round = 0; round < (limit.halvings ?? 5) && halve.size > 0; round++) {
    const check = new Set<number>();
    for (const v of halve) {
      scale[v] *= 0.5;
      apply(v);
      stencil(v, check);
    }
    halve = new Set<number>();
    for (const v of check) if (worse(v)) stencil(v, halve);
  }
  return scale;
}
