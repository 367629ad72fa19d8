/**
 * The Gauss-Newton normal equations with diffusion regularisation, solved matrix-free:
 *
 *   (H + λL + δI) x = b
 *
 * x and b hold a 3-vector per voxel (interleaved); H holds a symmetric 3×3 block per voxel as 6
 * values (xx, yy, zz, xy, xz, yz); L is the 6-neighbour graph Laplacian of the voxel lattice
 * (Neumann boundary: (Lx)_v = Σ_{n ∈ N(v)} (x_v − x_n), applied to each component). The system
 * is symmetric positive definite for δ > 0, so preconditioned conjugate gradients (Jacobi) solve it.
 */
import type { Vec3 } from '../volume/volume.js';

export interface SolveOptions {
  lambda: number;
  delta: number;
  /** Relative residual tolerance (default 1e-3). */
  tolerance?: number;
  /** Iteration cap (default 40). */
  maxIterations?: number;
}

export interface SolveStats {
  iterations: number;
  relativeResidual: number;
}

/** out = L x (per component), 6-neighbour Laplacian with Neumann boundaries. */
export function applyLaplacian(x: Float32Array | Float64Array, dims: Vec3, out: Float32Array | Float64Array): void {
  applySystem(undefined, x, dims, 1, 0, out);
}

function neighbourCounts(dims: Vec3): Uint8Array {
  const [nx, ny, nz] = dims;
  const out = new Uint8Array(nx * ny * nz);
  let v = 0;
  for (let k = 0; k < nz; k++)
    for (let j = 0; j < ny; j++)
      for (let i = 0; i < nx; i++, v++)
        out[v] = (i > 0 ? 1 : 0) + (i < nx - 1 ? 1 : 0) + (j > 0 ? 1 : 0) + (j < ny - 1 ? 1 : 0) + (k > 0 ? 1 : 0) + (k < nz - 1 ? 1 : 0);
  return out;
}

/** out = (H + λL + δI) x, in one pass over the lattice (H omitted: no data term). */
export function applySystem(
  H: Float32Array | undefined,
  x: Float32Array | Float64Array,
  dims: Vec3,
  lambda: number,
  delta: number,
  out: Float32Array | Float64Array,
): void {
  const [nx, ny, nz] = dims;
  const sy = 3 * nx;
  const sz = 3 * nx * ny;
  let v = 0;
  for (let k = 0; k < nz; k++)
    for (let j = 0; j < ny; j++)
      for (let i = 0; i < nx; i++, v++) {
        const b = 3 * v;
        const x0 = x[b];
        const x1 = x[b + 1];
        const x2 = x[b + 2];
        let s0 = 0;
        let s1 = 0;
        let s2 = 0;
        let cnt = 0;
        if (i > 0) {
          s0 += x[b - 3];
          s1 += x[b - 2];
          s2 += x[b - 1];
          cnt++;
        }
        if (i < nx - 1) {
          s0 += x[b + 3];
          s1 += x[b + 4];
          s2 += x[b + 5];
          cnt++;
        }
        if (j > 0) {
          s0 += x[b - sy];
          s1 += x[b - sy + 1];
          s2 += x[b - sy + 2];
          cnt++;
        }
        if (j < ny - 1) {
          s0 += x[b + sy];
          s1 += x[b + sy + 1];
          s2 += x[b + sy + 2];
          cnt++;
        }
        if (k > 0) {
          s0 += x[b - sz];
          s1 += x[b - sz + 1];
          s2 += x[b - sz + 2];
          cnt++;
        }
        if (k < nz - 1) {
          s0 += x[b + sz];
          s1 += x[b + sz + 1];
          s2 += x[b + sz + 2];
          cnt++;
        }
        const d = lambda * cnt + delta;
        out[b] = d * x0 - lambda * s0;
        out[b + 1] = d * x1 - lambda * s1;
        out[b + 2] = d * x2 - lambda * s2;
        if (H) {
          const h = 6 * v;
          out[b] += H[h] * x0 + H[h + 3] * x1 + H[h + 4] * x2;
          out[b + 1] += H[h + 3] * x0 + H[h + 1] * x1 + H[h + 5] * x2;
          out[b + 2] += H[h + 4] * x0 + H[h + 5] * x1 + H[h + 2] * x2;
        }
      }
}

/** Solves (H + λL + δI) x = b by Jacobi-preconditioned CG, starting from zero. */
export function solveNormalEquations(
  H: Float32Array,
  b: Float32Array,
  dims: Vec3,
  options: SolveOptions,
): { x: Float32Array; stats: SolveStats } {
  const { lambda, delta } = options;
  const tol = options.tolerance ?? 1e-3;
  const maxIt = options.maxIterations ?? 40;
  const m = b.length;
  const counts = neighbourCounts(dims);
  const invDiag = new Float64Array(m);
  for (let v = 0; v < m / 3; v++) {
    const h = 6 * v;
    const reg = lambda * counts[v] + delta;
    invDiag[3 * v] = 1 / (H[h] + reg);
    invDiag[3 * v + 1] = 1 / (H[h + 1] + reg);
    invDiag[3 * v + 2] = 1 / (H[h + 2] + reg);
  }
  const x = new Float64Array(m);
  const r = Float64Array.from(b);
  const z = new Float64Array(m);
  const p = new Float64Array(m);
  const Ap = new Float64Array(m);
  let bnorm = 0;
  for (let i = 0; i < m; i++) bnorm += b[i] * b[i];
  bnorm = Math.sqrt(bnorm);
  if (bnorm === 0) return { x: new Float32Array(m), stats: { iterations: 0, relativeResidual: 0 } };
  let rz = 0;
  for (let i = 0; i < m; i++) {
    z[i] = invDiag[i] * r[i];
    p[i] = z[i];
    rz += r[i] * z[i];
  }
  let it = 0;
  let rel = 1;
  for (; it < maxIt; it++) {
    applySystem(H, p, dims, lambda, delta, Ap);
    let pAp = 0;
    for (let i = 0; i < m; i++) pAp += p[i] * Ap[i];
    if (!(pAp > 0)) break;
    const alpha = rz / pAp;
    let rr = 0;
    for (let i = 0; i < m; i++) {
      x[i] += alpha * p[i];
      r[i] -= alpha * Ap[i];
      rr += r[i] * r[i];
    }
    rel = Math.sqrt(rr) / bnorm;
    if (rel < tol) {
      it++;
      break;
    }
    let rzNew = 0;
    for (let i = 0; i < m; i++) {
      const zi = invDiag[i] * r[i];
      z[i] = zi;
      rzNew += r[i] * zi;
    }
    const beta = rzNew / rz;
    rz = rzNew;
    for (let i = 0; i < m; i++) p[i] = z[i] + beta * p[i];
  }
  return { x: Float32Array.from(x), stats: { iterations: it, relativeResidual: rel } };
}
