/**
 * The Gauss-Newton normal equations with diffusion regularisation, solved matrix-free:
 *
 *   (H + λL + δI) x = b
 *
 * x and b hold a 3-vector per voxel (interleaved); H holds a symmetric 3×3 block per voxel as 6
 * values (xx, yy, zz, xy, xz, yz); L is the 6-neighbour graph Laplacian of the voxel lattice
 * (Neumann boundary: (Lx)_v = Σ_{n ∈ N(v)} (x_v − x_n), applied to each component). The system
 * is symmetric positive definite for δ > 0, so preconditioned conjugate gradients solve it. The
 * preconditioner is block Jacobi: each voxel's own 3×3 block of the system (its H block plus
 * λ·neighbours + δ on the diagonal), inverted. H is a sum of gradient outer products, so its
 * blocks are far from diagonal and the block inverse takes fewer iterations than the diagonal.
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

/**
 * out = (H + λL + δI) x, in one pass over the lattice (H omitted: no data term); returns x·out.
 * Rows inside the lattice take a branch-free path; voxels on its faces count their neighbours.
 * Slices k0 … k1−1 only when given (the others of `out` are left as they are).
 */
export function applySystem(
  H: Float32Array | undefined,
  x: Float32Array | Float64Array,
  dims: Vec3,
  lambda: number,
  delta: number,
  out: Float32Array | Float64Array,
  k0 = 0,
  k1 = dims[2],
): number {
  const [nx, ny, nz] = dims;
  const sy = 3 * nx;
  const sz = 3 * nx * ny;
  let dot = 0;
  /** Writes out at element b from the diagonal d and the neighbour sums s; returns x·out there. */
  const emit = (b: number, d: number, s0: number, s1: number, s2: number): number => {
    const x0 = x[b];
    const x1 = x[b + 1];
    const x2 = x[b + 2];
    let o0 = d * x0 - lambda * s0;
    let o1 = d * x1 - lambda * s1;
    let o2 = d * x2 - lambda * s2;
    if (H) {
      const h = 2 * b;
      o0 += H[h] * x0 + H[h + 3] * x1 + H[h + 4] * x2;
      o1 += H[h + 3] * x0 + H[h + 1] * x1 + H[h + 5] * x2;
      o2 += H[h + 4] * x0 + H[h + 5] * x1 + H[h + 2] * x2;
    }
    out[b] = o0;
    out[b + 1] = o1;
    out[b + 2] = o2;
    return x0 * o0 + x1 * o1 + x2 * o2;
  };
  /** One voxel with its neighbour count (general case, any position). */
  const voxel = (v: number, i: number, j: number, k: number) => {
    const b = 3 * v;
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
    dot += emit(b, lambda * cnt + delta, s0, s1, s2);
  };
  const d6 = 6 * lambda + delta;
  for (let k = k0; k < k1; k++)
    for (let j = 0; j < ny; j++) {
      const row = nx * (j + ny * k);
      if (nx < 3 || j === 0 || j === ny - 1 || k === 0 || k === nz - 1) {
        for (let i = 0; i < nx; i++) voxel(row + i, i, j, k);
        continue;
      }
      voxel(row, 0, j, k);
      // Interior: six neighbours, no bounds checks.
      let rowDot = 0;
      for (let b = 3 * (row + 1), end = 3 * (row + nx - 1); b < end; b += 3)
        rowDot += emit(
          b,
          d6,
          x[b - 3] + x[b + 3] + x[b - sy] + x[b + sy] + x[b - sz] + x[b + sz],
          x[b - 2] + x[b + 4] + x[b - sy + 1] + x[b + sy + 1] + x[b - sz + 1] + x[b + sz + 1],
          x[b - 1] + x[b + 5] + x[b - sy + 2] + x[b + sy + 2] + x[b - sz + 2] + x[b + sz + 2],
        );
      dot += rowDot;
      voxel(row + nx - 1, nx - 1, j, k);
    }
  return dot;
}

/** Solves (H + λL + δI) x = b by block-Jacobi-preconditioned CG, starting from zero. */
export function solveNormalEquations(
  H: Float32Array,
  b: Float32Array,
  dims: Vec3,
  options: SolveOptions,
): { x: Float32Array; stats: SolveStats } {
  // The upper "half" empty: every sum is the whole lattice's, in lattice order.
  return solveSplitAlone(H, b, dims, options, dims[2]);
}

/**
 * The solve of cgHalves on this thread alone, the lattice split at slice `split`: the iterates
 * of two threads meeting at that split (kernel-pool.ts), or with split = nz those of one pass.
 */
export function solveSplitAlone(
  H: Float32Array,
  b: Float32Array,
  dims: Vec3,
  options: SolveOptions,
  split: number,
): { x: Float32Array; stats: SolveStats } {
  const { arrays, rz, bnorm } = cgStart(H, b, dims, options.lambda, options.delta, false);
  if (bnorm === 0) return { x: new Float32Array(b.length), stats: { iterations: 0, relativeResidual: 0 } };
  const stats = cgHalves(arrays, dims, options, { rz, bnorm }, split, [0, 1], () => {});
  return { x: arrays.x.slice(), stats };
}

/** The arrays of one conjugate-gradient solve, shared by the threads that run it (cgHalves). */
export interface CgArrays {
  H: Float32Array;
  x: Float32Array;
  r: Float32Array;
  z: Float32Array;
  p: Float32Array;
  Ap: Float32Array;
  /** Inverse of each voxel's 3×3 diagonal block, symmetric: xx, yy, zz, xy, xz, yz. */
  invBlock: Float32Array;
  /** Per half: p·Ap, r·r and r·z of the current iteration. */
  partials: Float64Array;
}

/** z = B⁻¹r for the voxels v0 … v1−1 (B⁻¹ as 6 values per voxel); returns r·z over them. */
function precondition(invBlock: Float32Array, r: Float32Array, z: Float32Array, v0: number, v1: number): number {
  let rz = 0;
  for (let v = v0; v < v1; v++) {
    const b = 3 * v;
    const h = 6 * v;
    const r0 = r[b];
    const r1 = r[b + 1];
    const r2 = r[b + 2];
    const z0 = invBlock[h] * r0 + invBlock[h + 3] * r1 + invBlock[h + 4] * r2;
    const z1 = invBlock[h + 3] * r0 + invBlock[h + 1] * r1 + invBlock[h + 5] * r2;
    const z2 = invBlock[h + 4] * r0 + invBlock[h + 5] * r1 + invBlock[h + 2] * r2;
    z[b] = z0;
    z[b + 1] = z1;
    z[b + 2] = z2;
    rz += r0 * z0 + r1 * z1 + r2 * z2;
  }
  return rz;
}

/** Inverts each voxel's block H_v + (λ·neighbours + δ)I (symmetric positive definite for δ > 0). */
function invertBlocks(H: Float32Array, dims: Vec3, lambda: number, delta: number, out: Float32Array): void {
  const counts = neighbourCounts(dims);
  for (let v = 0, n = counts.length; v < n; v++) {
    const h = 6 * v;
    const reg = lambda * counts[v] + delta;
    const a = H[h] + reg;
    const d = H[h + 1] + reg;
    const f = H[h + 2] + reg;
    const b = H[h + 3];
    const c = H[h + 4];
    const e = H[h + 5];
    // Cofactors of [[a b c] [b d e] [c e f]].
    const A = d * f - e * e;
    const B = c * e - b * f;
    const C = b * e - c * d;
    const det = a * A + b * B + c * C;
    if (det > 0 && Number.isFinite(det)) {
      const s = 1 / det;
      out[h] = A * s;
      out[h + 1] = (a * f - c * c) * s;
      out[h + 2] = (a * d - b * b) * s;
      out[h + 3] = B * s;
      out[h + 4] = C * s;
      out[h + 5] = (b * c - a * e) * s;
    } else {
      // Not invertible in floating point: the diagonal alone.
      out[h] = 1 / a;
      out[h + 1] = 1 / d;
      out[h + 2] = 1 / f;
      out[h + 3] = out[h + 4] = out[h + 5] = 0;
    }
  }
}

/** Arrays for a solve of `dims` (in shared memory with `shared`) and the start: x = 0, r = b, p = z = B⁻¹b. */
export function cgStart(
  H: Float32Array,
  b: Float32Array,
  dims: Vec3,
  lambda: number,
  delta: number,
  shared: boolean,
): { arrays: CgArrays; rz: number; bnorm: number } {
  const m = b.length;
  // Single precision: the solve is bound by memory traffic, which halves. Gauss-Newton stops it at a
  // relative residual of 1e-2 (the engine's default); single precision reaches about 1e-6, below
  // which a solve runs to its iteration cap. Inner products are summed in double precision.
  const f32 = (n: number) => new Float32Array(shared ? new SharedArrayBuffer(4 * n) : new ArrayBuffer(4 * n));
  const partials = new Float64Array(shared ? new SharedArrayBuffer(48) : new ArrayBuffer(48));
  const arrays: CgArrays = { H, x: f32(m), r: f32(m), z: f32(m), p: f32(m), Ap: f32(m), invBlock: f32(2 * m), partials };
  const { r, z, p, invBlock } = arrays;
  invertBlocks(H, dims, lambda, delta, invBlock);
  let bnorm = 0;
  for (let i = 0; i < m; i++) {
    r[i] = b[i];
    bnorm += b[i] * b[i];
  }
  const rz = precondition(invBlock, r, z, 0, m / 3);
  p.set(z);
  return { arrays, rz, bnorm: Math.sqrt(bnorm) };
}

/**
 * Block-Jacobi-preconditioned CG on (H + λL + δI) x = b from cgStart, with the lattice split at slice
 * `split` into two halves. This thread runs the halves in `mine` (both: alone; one: beside another
 * thread running the other, `sync` a barrier between the two). The inner products are summed per
 * half and then in half order, so one thread and two follow the same iterates exactly.
 */
export function cgHalves(
  a: CgArrays,
  dims: Vec3,
  options: SolveOptions,
  start: { rz: number; bnorm: number },
  split: number,
  mine: readonly number[],
  sync: () => void,
): SolveStats {
  const { lambda, delta } = options;
  const tol = options.tolerance ?? 1e-3;
  const maxIt = options.maxIterations ?? 40;
  const { H, x, r, z, p, Ap, invBlock, partials } = a;
  const slice = 3 * dims[0] * dims[1];
  const bounds = [0, split, dims[2]];
  let rz = start.rz;
  let it = 0;
  let rel = 1;
  for (; it < maxIt; it++) {
    for (const h of mine) partials[3 * h] = applySystem(H, p, dims, lambda, delta, Ap, bounds[h], bounds[h + 1]);
    sync();
    const pAp = partials[0] + partials[3];
    if (!(pAp > 0)) break;
    const alpha = rz / pAp;
    // x += αp, r −= αAp and r·r in one pass, then z = B⁻¹r and r·z.
    for (const h of mine) {
      let rr = 0;
      for (let i = slice * bounds[h], end = slice * bounds[h + 1]; i < end; i++) {
        x[i] += alpha * p[i];
        const ri = r[i] - alpha * Ap[i];
        r[i] = ri;
        rr += ri * ri;
      }
      partials[3 * h + 1] = rr;
      partials[3 * h + 2] = precondition(invBlock, r, z, (slice / 3) * bounds[h], (slice / 3) * bounds[h + 1]);
    }
    sync();
    const rzNew = partials[2] + partials[5];
    rel = Math.sqrt(partials[1] + partials[4]) / start.bnorm;
    if (rel < tol) {
      it++;
      break;
    }
    const beta = rzNew / rz;
    rz = rzNew;
    for (const h of mine) for (let i = slice * bounds[h], end = slice * bounds[h + 1]; i < end; i++) p[i] = z[i] + beta * p[i];
    // Both halves of p are written before either thread applies the system to them.
    sync();
  }
  return { iterations: it, relativeResidual: rel };
}
