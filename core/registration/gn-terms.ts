/**
 * The Gauss-Newton data terms on typed arrays (see gauss-newton.ts), the one definition used by
 * inference (gauss-newton.ts, on two cores through core/parallel/*) and by training (the tfjs op
 * in core/tensor/gn-terms-op.ts, whose forward is `normalEquationTerms` and whose backward is
 * `normalEquationTermsBackward` below).
 *
 * Per voxel x and channel c, with p = x + u(x) clamped to the lattice:
 *   r_c = M_c(p) − F_c(x)                the residual, M_c trilinearly interpolated
 *   J_c = ∂M_c(p)/∂u                     the derivative of that trilinear interpolant
 * J is exactly the derivative of the residual the step reduces (finite differences of the warped
 * features would be ∇(M∘φ) = (I + ∇u)ᵀ∇M(p), not ∂r/∂u); it is zero along an axis where p was
 * clamped, since the residual does not change there.
 */
import type { Vec3 } from '../volume/volume.js';
import { cornerStrides, locateCell, trilinearCell } from '../kernels/trilinear-cell.js';

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
  const [nx, ny] = dims;
  const nxy = nx * ny;
  const invC = termScale;
  let ssd = 0;
  let counted = 0;
  const [sx, sy, sz] = cornerStrides(dims, C);
  const cell = trilinearCell();
  let v = k0 * nxy;
  for (let k = k0; k < k1; k++)
    for (let j = 0; j < ny; j++)
      for (let i = 0; i < nx; i++, v++) {
        // Outside the mask (empty background) the data terms are zero.
        if (mask && !mask[v]) continue;
        counted++;
        locateCell(dims, C, i + u[3 * v], j + u[3 * v + 1], k + u[3 * v + 2], cell);
        const { base, fx, fy, fz } = cell;
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

/**
 * Backward pass of `normalEquationTerms`: given ∂L/∂H ([N, 6]) and ∂L/∂g ([N, 3]), returns
 * ∂L/∂M, ∂L/∂F ([N, C]) and ∂L/∂u ([N, 3]). Per channel the interpolated value w and its three
 * derivatives are linear in the cell's eight corners (so ∂L/∂M scatters onto them), and their
 * derivatives in the fractions are the interpolant's mixed second derivatives (∂L/∂u, zero along
 * a clamped axis).
 */
export function normalEquationTermsBackward(
  F: Float32Array,
  M: Float32Array,
  C: number,
  dims: Vec3,
  u: Float32Array,
  termScale: number,
  mask: Uint8Array | undefined,
  dH: Float32Array,
  dg: Float32Array,
): { dM: Float32Array; dF: Float32Array; du: Float32Array } {
  const [nx, ny, nz] = dims;
  const n = nx * ny * nz;
  const s = termScale;
  const dM = new Float32Array(n * C);
  const dF = new Float32Array(n * C);
  const du = new Float32Array(3 * n);
  const [sx, sy, sz] = cornerStrides(dims, C);
  const cell = trilinearCell();
  let v = 0;
  for (let k = 0; k < nz; k++)
    for (let j = 0; j < ny; j++)
      for (let i = 0; i < nx; i++, v++) {
        if (mask && !mask[v]) continue;
        locateCell(dims, C, i + u[3 * v], j + u[3 * v + 1], k + u[3 * v + 2], cell);
        const { base, fx, fy, fz } = cell;
        const gx = 1 - fx;
        const gy = 1 - fy;
        const gz = 1 - fz;
        const a = 6 * v;
        const hxx = dH[a],
          hyy = dH[a + 1],
          hzz = dH[a + 2],
          hxy = dH[a + 3],
          hxz = dH[a + 4],
          hyz = dH[a + 5];
        const bx = dg[3 * v],
          by = dg[3 * v + 1],
          bz = dg[3 * v + 2];
        let ux = 0,
          uy = 0,
          uz = 0;
        for (let c = 0; c < C; c++) {
          const b = base + c;
          // The interpolant, its derivatives in the fractions and its mixed second derivatives, as
          // sums over the cell's corners (a, b, c) ∈ {0, 1}³ with weights w_x(a) w_y(b) w_z(c),
          // w(0) = 1 − f, w(1) = f, and ∂w/∂f = −1, +1.
          let w = 0,
            dx = 0,
            dy = 0,
            dz = 0,
            dxy = 0,
            dxz = 0,
            dyz = 0;
          for (let corner = 0; corner < 8; corner++) {
            const ox = corner & 1;
            const oy = (corner >> 1) & 1;
            const oz = corner >> 2;
            const m = M[b + ox * sx + oy * sy + oz * sz];
            const wx = ox ? fx : gx;
            const wy = oy ? fy : gy;
            const wz = oz ? fz : gz;
            const ex = ox ? m : -m;
            const exy = oy ? ex : -ex;
            w += wx * wy * wz * m;
            dx += wy * wz * ex;
            dy += wx * wz * (oy ? m : -m);
            dz += wx * wy * (oz ? m : -m);
            dxy += wz * exy;
            dxz += wy * (oz ? ex : -ex);
            dyz += wx * (oz ? (oy ? m : -m) : oy ? -m : m);
          }
          const r = w - F[v * C + c];
          // Upstream gradients of the channel's r, dx, dy, dz.
          const gr = s * (bx * dx + by * dy + bz * dz);
          const gdx = s * (2 * hxx * dx + hxy * dy + hxz * dz + bx * r);
          const gdy = s * (2 * hyy * dy + hxy * dx + hyz * dz + by * r);
          const gdz = s * (2 * hzz * dz + hxz * dx + hyz * dy + bz * r);
          dF[v * C + c] -= gr;
          ux += gr * dx + gdy * dxy + gdz * dxz;
          uy += gr * dy + gdx * dxy + gdz * dyz;
          uz += gr * dz + gdx * dxz + gdy * dyz;
          // w, dx, dy, dz are linear in the corners: scatter their gradients onto them.
          for (let corner = 0; corner < 8; corner++) {
            const ox = corner & 1;
            const oy = (corner >> 1) & 1;
            const oz = corner >> 2;
            const wx = ox ? fx : gx;
            const wy = oy ? fy : gy;
            const wz = oz ? fz : gz;
            const ex = ox ? 1 : -1;
            const ey = oy ? 1 : -1;
            const ez = oz ? 1 : -1;
            dM[b + ox * sx + oy * sy + oz * sz] += gr * wx * wy * wz + gdx * ex * wy * wz + gdy * wx * ey * wz + gdz * wx * wy * ez;
          }
        }
        du[3 * v] = cell.inX * ux;
        du[3 * v + 1] = cell.inY * uy;
        du[3 * v + 2] = cell.inZ * uz;
      }
  return { dM, dF, du };
}
