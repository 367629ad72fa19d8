/**
 * Surface distances by searching each voxel's neighbourhood, for HD95: most boundary voxels of a
 * prediction lie within a few millimetres of the reference's boundary, so looking through the
 * lattice offsets in order of their length finds each one's nearest voxel after a handful of
 * probes, where a distance transform has to sweep the whole bounding box three times. Voxels with
 * nothing within the search radius are only counted as far; when so many are far that the 95th
 * percentile lies among them, the caller falls back to the exact distance transform (edt.ts).
 */

/** Lattice offsets within a ball, shortest first. */
export interface OffsetBall {
  di: Int32Array;
  dj: Int32Array;
  dk: Int32Array;
  /** Squared length in mm², summed in the order the distance transform sums it (so values agree). */
  d2: Float64Array;
  /** Radius (mm): a voxel with none of the offsets reaching a target is farther than this. */
  radius: number;
}

/** Offsets in a ball of about `count` lattice points (radius in mm chosen from the spacing). */
export function offsetBall(spacing: readonly number[], count = 2000): OffsetBall {
  const [sx, sy, sz] = spacing;
  // (4/3)π r³ / (sx·sy·sz) ≈ count lattice points.
  const radius = Math.cbrt((3 * count * sx * sy * sz) / (4 * Math.PI));
  const [sx2, sy2, sz2] = [sx * sx, sy * sy, sz * sz];
  const [ri, rj, rk] = [radius / sx, radius / sy, radius / sz].map(Math.floor);
  const r2 = radius * radius;
  const found: [number, number, number, number][] = [];
  for (let c = -rk; c <= rk; c++)
    for (let b = -rj; b <= rj; b++)
      for (let a = -ri; a <= ri; a++) {
        // The distance transform's order of summation: along k, then j, then i (edt.ts).
        const d2 = sz2 * c * c + (sy2 * b * b + sx2 * a * a);
        if (d2 <= r2) found.push([a, b, c, d2]);
      }
  found.sort((p, q) => p[3] - q[3]);
  return {
    di: Int32Array.from(found, (f) => f[0]),
    dj: Int32Array.from(found, (f) => f[1]),
    dk: Int32Array.from(found, (f) => f[2]),
    d2: Float64Array.from(found, (f) => f[3]),
    radius,
  };
}

/**
 * Distances (mm) from every marked voxel of `from` to the nearest marked voxel of `to`, both masks
 * on one box of `dims` (i fastest), found within the ball. Returns undefined as soon as more than
 * `maxFar` voxels have no marked voxel of `to` within the ball's radius (their distance then needs
 * the distance transform); otherwise the exact distances of all `from` voxels, those beyond the
 * radius given as Infinity.
 */
export function nearDistances(
  from: Uint8Array,
  to: Uint8Array,
  dims: readonly [number, number, number],
  ball: OffsetBall,
  maxFar: number,
): Float64Array | undefined {
  const [nx, ny, nz] = dims;
  const { di, dj, dk, d2 } = ball;
  const m = d2.length;
  const delta = new Int32Array(m);
  for (let o = 0; o < m; o++) delta[o] = di[o] + nx * (dj[o] + ny * dk[o]);
  const ri = Math.max(...di);
  const rj = Math.max(...dj);
  const rk = Math.max(...dk);
  let count = 0;
  for (let v = 0; v < from.length; v++) count += from[v];
  const out = new Float64Array(count);
  let far = 0;
  let o = 0;
  let v = 0;
  for (let k = 0; k < nz; k++)
    for (let j = 0; j < ny; j++) {
      // Rows whose ball stays inside the box in j and k need the bounds of i only.
      const innerJK = j >= rj && j < ny - rj && k >= rk && k < nz - rk;
      for (let i = 0; i < nx; i++, v++) {
        if (!from[v]) continue;
        let best = Infinity;
        if (innerJK && i >= ri && i < nx - ri) {
          for (let q = 0; q < m; q++)
            if (to[v + delta[q]]) {
              best = d2[q];
              break;
            }
        } else {
          for (let q = 0; q < m; q++) {
            const a = i + di[q];
            const b = j + dj[q];
            const c = k + dk[q];
            if (a < 0 || b < 0 || c < 0 || a >= nx || b >= ny || c >= nz) continue;
            if (to[v + delta[q]]) {
              best = d2[q];
              break;
            }
          }
        }
        if (best === Infinity && ++far > maxFar) return undefined;
        out[o++] = Math.sqrt(best);
      }
    }
  return out;
}
