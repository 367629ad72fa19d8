/**
 * Exact squared Euclidean distance transform (Felzenszwalb & Huttenlocher's lower envelope of
 * parabolas, applied separably), with anisotropic voxel spacing, on a box of a volume.
 */

const INF = 1e20;

function edt1d(f: Float64Array, n: number, spacing2: number, d: Float64Array, v: Int32Array, z: Float64Array): void {
  // Squared distance along a line, with positions scaled by spacing (spacing2 = spacing²).
  let k = 0;
  v[0] = 0;
  z[0] = -INF;
  z[1] = INF;
  for (let q = 1; q < n; q++) {
    let s: number;
    for (;;) {
      const p = v[k];
      s = (f[q] + spacing2 * q * q - (f[p] + spacing2 * p * p)) / (2 * spacing2 * (q - p));
      if (s <= z[k]) {
        k--;
        if (k < 0) {
          k = 0;
          break;
        }
      } else break;
    }
    if (k === 0 && s <= z[0]) {
      v[0] = q;
      z[0] = -INF;
      z[1] = INF;
      continue;
    }
    k++;
    v[k] = q;
    z[k] = s;
    z[k + 1] = INF;
  }
  k = 0;
  for (let q = 0; q < n; q++) {
    while (z[k + 1] < q) k++;
    const dq = q - v[k];
    d[q] = spacing2 * dq * dq + f[v[k]];
  }
}

/**
 * Squared distance (mm²) from every voxel of a box (dims bx×by×bz, i fastest) to the nearest
 * voxel where `seed` is non-zero. Voxels with no seed anywhere get ≥ 1e20. With `wanted`, only
 * the voxels where it is non-zero are sure to hold their distance (the same value as without it):
 * lines that lead to none of them are skipped in the last two passes.
 */
export function squaredDistanceTransform(
  seed: Uint8Array,
  dims: [number, number, number],
  spacing: [number, number, number],
  wanted?: Uint8Array,
): Float64Array {
  const [nx, ny, nz] = dims;
  const out = new Float64Array(nx * ny * nz);
  for (let i = 0; i < out.length; i++) out[i] = seed[i] ? 0 : INF;
  const nmax = Math.max(nx, ny, nz);
  const f = new Float64Array(nmax);
  const d = new Float64Array(nmax);
  const v = new Int32Array(nmax);
  const z = new Float64Array(nmax + 1);
  // One pass along an axis: every line (n voxels, `stride` apart) starting at a + strideA·x + strideB·y.
  const pass = (
    n: number,
    stride: number,
    a: number,
    strideA: number,
    b: number,
    strideB: number,
    s2: number,
    skip?: (x: number, y: number) => boolean,
  ) => {
    for (let y = 0; y < b; y++)
      for (let x = 0; x < a; x++) {
        if (skip?.(x, y)) continue;
        const start = x * strideA + y * strideB;
        let any = false;
        for (let q = 0; q < n; q++) {
          f[q] = out[start + q * stride];
          if (f[q] < INF) any = true;
        }
        // A line without any finite distance stays infinite.
        if (!any) continue;
        edt1d(f, n, s2, d, v, z);
        for (let q = 0; q < n; q++) out[start + q * stride] = d[q];
      }
  };
  // The last pass runs along k: column (i, j) matters only if it holds a wanted voxel, and the
  // pass along j for (i, k) only if some column (i, ·) does.
  const column = wanted && wantedColumns(wanted, dims);
  const columnI = column && new Uint8Array(nx);
  if (column && columnI) for (let c = 0, i = 0; c < column.length; c++, i = i + 1 === nx ? 0 : i + 1) if (column[c]) columnI[i] = 1;
  pass(nx, 1, ny, nx, nz, nx * ny, spacing[0] ** 2);
  pass(ny, nx, nx, 1, nz, nx * ny, spacing[1] ** 2, columnI && ((i) => !columnI[i]));
  pass(nz, nx * ny, nx, 1, ny, nx, spacing[2] ** 2, column && ((i, j) => !column[i + nx * j]));
  return out;
}

/** 1 for each column (i, j) of the box that holds a non-zero voxel of `wanted`. */
function wantedColumns(wanted: Uint8Array, dims: [number, number, number]): Uint8Array {
  const nxy = dims[0] * dims[1];
  const column = new Uint8Array(nxy);
  for (let base = 0; base < wanted.length; base += nxy) for (let c = 0; c < nxy; c++) if (wanted[base + c]) column[c] = 1;
  return column;
}
