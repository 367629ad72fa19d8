/**
 * One Gauss-Newton step's data terms on a slab of data slices, the unit that two threads share
 * (parallel/kernel-pool.ts): where the control grid is coarser than the data grid, the control
 * field is first resampled onto the slab's data voxels, and afterwards the slab's terms are pooled
 * onto its control slices and scaled to control units (see gauss-newton.ts). The terms of a voxel
 * read only its own displacement, and a control slice only its own data slices, so slabs that
 * start at a multiple of the pooling factor need nothing from each other. The arithmetic is that
 * of resampleFieldIdx, normalEquationTermsRange and blockAverage on the whole grid.
 */
import type { Grid, Vec3 } from '../volume/volume.js';
import { resampleFieldSlices } from '../kernels/field-resample.js';
import { blockAverageSlices, blockDims } from '../kernels/pyramid.js';
import { normalEquationTermsRange } from './gn-terms.js';

export interface StepTermsData {
  F: Float32Array;
  M: Float32Array;
  C: number;
  dims: Vec3;
  termScale: number;
  mask?: Uint8Array;
  /** Displacement on the data grid (written first when `control` is given). */
  u: Float32Array;
  /** JᵀJ and Jᵀr on the data grid. */
  H: Float32Array;
  g: Float32Array;
  /** A coarser control grid: its field, resampled into `u`, and the pooled terms' arrays. */
  control?: { field: Float32Array; grid: Grid; dataGrid: Grid; pool: Vec3; H: Float32Array; g: Float32Array };
}

/** Data slices k0 … k1−1 (k0 a multiple of the pooling factor along z); returns the residual sums. */
export function stepTermsRange(d: StepTermsData, k0: number, k1: number): { ssd: number; counted: number } {
  const c = d.control;
  if (c) resampleFieldSlices(c.field, c.grid, c.dataGrid, k0, k1, d.u);
  // Voxels outside the mask keep zero terms (the arrays are reused from step to step).
  const slice = d.dims[0] * d.dims[1];
  d.H.fill(0, 6 * slice * k0, 6 * slice * k1);
  d.g.fill(0, 3 * slice * k0, 3 * slice * k1);
  const r = normalEquationTermsRange(d.F, d.M, d.C, d.dims, d.u, d.termScale, d.mask, k0, k1, d.H, d.g);
  if (c) {
    const p = c.pool;
    const [mx, my, mz] = blockDims(d.dims, p);
    // The control slices whose blocks lie in this slab (the last slab takes any remainder).
    const c0 = k0 / p[2];
    const c1 = k1 === d.dims[2] ? mz : Math.floor(k1 / p[2]);
    blockAverageSlices(d.H, d.dims, 6, p, c0, c1, c.H);
    blockAverageSlices(d.g, d.dims, 3, p, c0, c1, c.g);
    // Data terms in control units: Δu_data = pool ⊙ Δu_ctrl, so H scales by pool_a·pool_b and g by pool_a.
    const sc = [p[0] * p[0], p[1] * p[1], p[2] * p[2], p[0] * p[1], p[0] * p[2], p[1] * p[2]];
    for (let i = 6 * mx * my * c0, end = 6 * mx * my * c1; i < end; i++) c.H[i] *= sc[i % 6];
    for (let i = 3 * mx * my * c0, end = 3 * mx * my * c1; i < end; i++) c.g[i] *= p[i % 3];
  }
  return r;
}

/** Where two threads split the data slices: half way, rounded down to a multiple of the pooling. */
export function stepTermsSplit(d: StepTermsData): number {
  const pz = d.control?.pool[2] ?? 1;
  return Math.floor(Math.floor(d.dims[2] / 2) / pz) * pz;
}
