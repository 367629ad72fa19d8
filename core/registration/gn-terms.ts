/** The Gauss-Newton data terms on typed arrays (see gauss-newton.ts). */
import type { Vec3 } from '../volume/volume.js';

/**
 * JᵀJ (6 per voxel), Jᵀr (3 per voxel) and the mean squared residual for features warped by u;
 * both averaged over channels.
 */
export function normalEquationTerms(
  F: Float32Array,
  M: Float32Array,
  C: number,
  dims: Vec3,
  u: Float32Array,
  termScale = 1 / C,
  mask?: Uint8Array,
): { H: Float32Array; g: Float32Array; residual: number } {
  const n = dims[0] * dims[1] * dims[2];
  const H = new Float32Array(6 * n);
  const g = new Float32Array(3 * n);
  const r = normalEquationTermsRange(F, M, C, dims, u, termScale, mask, 0, dims[2], H, g);
  return { H, g, residual: r.ssd / (Math.max(1, r.counted) * C) };
}

/** normalEquationTerms for the slices k ∈ [k0, k1), written into H and g (for parallel slabs). */
export function normalEquationTermsRange(
  F: Float32Array,
  M: Float32Array,
  C: number,
  dims: Vec3,
  u: Float32Array,
  termScale: number,
  mask: Uint8Array | undefined,
  k0: number,
  k1: number,
  H: Float32Array,
  g: Float32Array,
): { ssd: number; counted: number } {
  const [nx, ny, nz] = dims;
  const nxy = nx * ny;
  const invC = termScale;
  let ssd = 0;
  let counted = 0;
  const maxX = Math.max(0, nx - 2);
  const maxY = Math.max(0, ny - 2);
  const maxZ = Math.max(0, nz - 2);
  const sx = nx > 1 ? C : 0;
  const sy = ny > 1 ? C * nx : 0;
  const sz = nz > 1 ? C * nxy : 0;
  let v = k0 * nxy;
  for (let k = k0; k < k1; k++)
    for (let j = 0; j < ny; j++)
      for (let i = 0; i < nx; i++, v++) {
        // Outside the mask (empty background) the data terms are zero.
        if (mask && !mask[v]) continue;
        counted++;
        const px = Math.min(nx - 1, Math.max(0, i + u[3 * v]));
        const py = Math.min(ny - 1, Math.max(0, j + u[3 * v + 1]));
        const pz = Math.min(nz - 1, Math.max(0, k + u[3 * v + 2]));
        const x0 = Math.min(maxX, Math.floor(px));
        const y0 = Math.min(maxY, Math.floor(py));
        const z0 = Math.min(maxZ, Math.floor(pz));
        const fx = px - x0;
        const fy = py - y0;
        const fz = pz - z0;
        const base = (x0 + nx * y0 + nxy * z0) * C;
        let h0 = 0,
          h1 = 0,
          h2 = 0,
          h3 = 0,
          h4 = 0,
          h5 = 0,
          g0 = 0,
          g1 = 0,
          g2 = 0;
        for (let c = 0; c < C; c++) {
          const b = base + c;
          const v000 = M[b];
          const v100 = M[b + sx];
          const v010 = M[b + sy];
          const v110 = M[b + sx + sy];
          const v001 = M[b + sz];
          const v101 = M[b + sx + sz];
          const v011 = M[b + sy + sz];
          const v111 = M[b + sx + sy + sz];
          const c00 = v000 + fx * (v100 - v000);
          const c10 = v010 + fx * (v110 - v010);
          const c01 = v001 + fx * (v101 - v001);
          const c11 = v011 + fx * (v111 - v011);
          const c0 = c00 + fy * (c10 - c00);
          const c1 = c01 + fy * (c11 - c01);
          const w = c0 + fz * (c1 - c0);
          const dx = (1 - fz) * ((1 - fy) * (v100 - v000) + fy * (v110 - v010)) + fz * ((1 - fy) * (v101 - v001) + fy * (v111 - v011));
          const dy = (1 - fz) * (c10 - c00) + fz * (c11 - c01);
          const dz = c1 - c0;
          const r = w - F[v * C + c];
          ssd += r * r;
          h0 += dx * dx;
          h1 += dy * dy;
          h2 += dz * dz;
          h3 += dx * dy;
          h4 += dx * dz;
          h5 += dy * dz;
          g0 += dx * r;
          g1 += dy * r;
          g2 += dz * r;
        }
        const hb = 6 * v;
        H[hb] = h0 * invC;
        H[hb + 1] = h1 * invC;
        H[hb + 2] = h2 * invC;
        H[hb + 3] = h3 * invC;
        H[hb + 4] = h4 * invC;
        H[hb + 5] = h5 * invC;
        g[3 * v] = g0 * invC;
        g[3 * v + 1] = g1 * invC;
        g[3 * v + 2] = g2 * invC;
      }
  return { ssd, counted };
}
