/**
 * 3D SLIC supervoxels inside a mask, on typed arrays, followed by the post-processing that makes
 * the count exact: every supervoxel is split into its 6-connected components, then the smallest
 * region is merged into the neighbour it shares most faces with until exactly `count` foreground
 * regions remain (0 is background, outside the mask). Distances are in millimetres (the spatial
 * term uses the voxel spacing, so anisotropic slices are handled) against a normalised intensity.
 *
 * SLIC (Achanta et al.): seeds on a lattice of step S = (mask volume / n)^(1/3) mm; each iteration
 * assigns every voxel within 2S of a centre to the centre minimising
 *   D² = (ΔI / m)² + (Δx / S)²
 * (m the compactness, in intensity units), then moves each centre to its voxels' mean.
 */
import type { Vec3 } from '../../volume/volume.js';

export interface SlicOptions {
  /** Seeds asked for (more than `count`: SLIC returns about this many before merging). */
  seeds: number;
  /** Foreground regions wanted after merging. */
  count: number;
  /** Intensity difference worth one lattice step (smaller: follows edges more). */
  compactness: number;
  iterations: number;
  /** Seed lattice in voxel coordinates: maps a regular lattice point (voxel index) to the seed (x, y, z). */
  seedMap?: (p: Vec3) => Vec3;
}

/** Voxel index of (i, j, k). */
const at = (dims: Vec3, i: number, j: number, k: number) => i + dims[0] * (j + dims[1] * k);

/** The 6-connected components of the non-zero voxels of `labels`, each labelled 1…n (0 stays 0). */
export function connectedComponents(labels: Int32Array, dims: Vec3): { components: Int32Array; count: number } {
  const [nx, ny, nz] = dims;
  const nxy = nx * ny;
  const out = new Int32Array(labels.length);
  const queue = new Int32Array(labels.length);
  let count = 0;
  for (let s = 0; s < labels.length; s++) {
    if (labels[s] === 0 || out[s] !== 0) continue;
    const l = labels[s];
    count++;
    out[s] = count;
    let head = 0;
    let tail = 0;
    queue[tail++] = s;
    while (head < tail) {
      const v = queue[head++];
      const i = v % nx;
      const j = Math.floor(v / nx) % ny;
      const k = Math.floor(v / nxy);
      const visit = (w: number) => {
        if (labels[w] === l && out[w] === 0) {
          out[w] = count;
          queue[tail++] = w;
        }
      };
      if (i > 0) visit(v - 1);
      if (i < nx - 1) visit(v + 1);
      if (j > 0) visit(v - nx);
      if (j < ny - 1) visit(v + nx);
      if (k > 0) visit(v - nxy);
      if (k < nz - 1) visit(v + nxy);
    }
  }
  return { components: out, count };
}

/** SLIC labels 1…(number of centres) inside `mask`, 0 outside (before connectivity and merging). */
export function slicCluster(image: Float32Array, mask: Uint8Array, dims: Vec3, spacing: Vec3, o: SlicOptions): Int32Array {
  const [nx, ny, nz] = dims;
  let maskVoxels = 0;
  for (let v = 0; v < mask.length; v++) if (mask[v]) maskVoxels++;
  const voxelMm3 = spacing[0] * spacing[1] * spacing[2];
  const step = Math.cbrt((maskVoxels * voxelMm3) / o.seeds); // mm
  const stepVox = spacing.map((s) => step / s) as Vec3;
  // Seeds: a lattice of step S (voxels per axis), possibly moved by `seedMap`, kept where masked.
  const cx: number[] = [];
  const cy: number[] = [];
  const cz: number[] = [];
  const ci: number[] = [];
  const margin = 2;
  const lo = stepVox.map((s) => -margin * s);
  for (let z = lo[2] + stepVox[2] / 2; z < nz + margin * stepVox[2]; z += stepVox[2])
    for (let y = lo[1] + stepVox[1] / 2; y < ny + margin * stepVox[1]; y += stepVox[1])
      for (let x = lo[0] + stepVox[0] / 2; x < nx + margin * stepVox[0]; x += stepVox[0]) {
        const [sx, sy, sz] = o.seedMap ? o.seedMap([x, y, z]) : [x, y, z];
        const i = Math.round(sx);
        const j = Math.round(sy);
        const k = Math.round(sz);
        if (i < 0 || j < 0 || k < 0 || i >= nx || j >= ny || k >= nz || !mask[at(dims, i, j, k)]) continue;
        cx.push(sx);
        cy.push(sy);
        cz.push(sz);
        ci.push(image[at(dims, i, j, k)]);
      }
  const n = cx.length;
  const labels = new Int32Array(image.length);
  const best = new Float32Array(image.length);
  const m2 = o.compactness * o.compactness;
  const s2 = step * step;
  const [sx2, sy2, sz2] = spacing.map((s) => s * s);
  const sum = new Float64Array(5 * n);
  for (let it = 0; it < o.iterations; it++) {
    best.fill(Infinity);
    for (let c = 0; c < n; c++) {
      const i0 = Math.max(0, Math.floor(cx[c] - 2 * stepVox[0]));
      const i1 = Math.min(nx - 1, Math.ceil(cx[c] + 2 * stepVox[0]));
      const j0 = Math.max(0, Math.floor(cy[c] - 2 * stepVox[1]));
      const j1 = Math.min(ny - 1, Math.ceil(cy[c] + 2 * stepVox[1]));
      const k0 = Math.max(0, Math.floor(cz[c] - 2 * stepVox[2]));
      const k1 = Math.min(nz - 1, Math.ceil(cz[c] + 2 * stepVox[2]));
      for (let k = k0; k <= k1; k++)
        for (let j = j0; j <= j1; j++) {
          const dyz = ((j - cy[c]) ** 2 * sy2 + (k - cz[c]) ** 2 * sz2) / s2;
          for (let i = i0, v = at(dims, i0, j, k); i <= i1; i++, v++) {
            if (!mask[v]) continue;
            const dI = image[v] - ci[c];
            const d = (dI * dI) / m2 + dyz + ((i - cx[c]) ** 2 * sx2) / s2;
            if (d < best[v]) {
              best[v] = d;
              labels[v] = c + 1;
            }
          }
        }
    }
    sum.fill(0);
    for (let k = 0, v = 0; k < nz; k++)
      for (let j = 0; j < ny; j++)
        for (let i = 0; i < nx; i++, v++) {
          const l = labels[v];
          if (l === 0) continue;
          const b = 5 * (l - 1);
          sum[b] += i;
          sum[b + 1] += j;
          sum[b + 2] += k;
          sum[b + 3] += image[v];
          sum[b + 4]++;
        }
    for (let c = 0; c < n; c++) {
      const w = sum[5 * c + 4];
      if (w === 0) continue;
      cx[c] = sum[5 * c] / w;
      cy[c] = sum[5 * c + 1] / w;
      cz[c] = sum[5 * c + 2] / w;
      ci[c] = sum[5 * c + 3] / w;
    }
  }
  // Masked voxels no centre reached (far from every seed): the nearest labelled neighbour's label,
  // by sweeping until none is left (rare: the search window is 2S).
  let missing = true;
  while (missing) {
    missing = false;
    for (let v = 0; v < labels.length; v++) {
      if (!mask[v] || labels[v] !== 0) continue;
      const i = v % nx;
      const j = Math.floor(v / nx) % ny;
      const k = Math.floor(v / (nx * ny));
      const nb = [i > 0 ? v - 1 : -1, i < nx - 1 ? v + 1 : -1, j > 0 ? v - nx : -1, j < ny - 1 ? v + nx : -1];
      nb.push(k > 0 ? v - nx * ny : -1, k < nz - 1 ? v + nx * ny : -1);
      const w = nb.find((u) => u >= 0 && labels[u] !== 0);
      if (w !== undefined) labels[v] = labels[w];
      else missing = true;
    }
    if (missing && !labels.some((l) => l !== 0)) break;
  }
  return labels;
}

/**
 * Merges regions (1…count of `regions`, each connected) until `target` remain: the smallest is
 * joined to the neighbour it shares most faces with (a region with no neighbour becomes
 * background). The union of two face-adjacent connected regions is connected, so connectivity is
 * kept. Returns labels 1…target (renumbered by first voxel), 0 elsewhere.
 */
export function mergeToCount(regions: Int32Array, count: number, dims: Vec3, target: number): Int32Array {
  const [nx, ny] = dims;
  const nxy = nx * ny;
  const size = new Float64Array(count + 1);
  const adjacency: Map<number, number>[] = Array.from({ length: count + 1 }, () => new Map());
  const touch = (a: number, b: number) => {
    if (a === b || a === 0 || b === 0) return;
    adjacency[a].set(b, (adjacency[a].get(b) ?? 0) + 1);
    adjacency[b].set(a, (adjacency[b].get(a) ?? 0) + 1);
  };
  for (let v = 0; v < regions.length; v++) {
    const a = regions[v];
    if (a === 0) continue;
    size[a]++;
    const i = v % nx;
    const j = Math.floor(v / nx) % ny;
    const k = Math.floor(v / nxy);
    if (i < nx - 1) touch(a, regions[v + 1]);
    if (j < ny - 1) touch(a, regions[v + nx]);
    if (k < dims[2] - 1) touch(a, regions[v + nxy]);
  }
  // parent[r]: the region r was merged into (union-find without ranks; chains are short).
  const parent = Int32Array.from({ length: count + 1 }, (_, i) => i);
  const find = (r: number): number => {
    while (parent[r] !== r) r = parent[r] = parent[parent[r]];
    return r;
  };
  const alive = new Set<number>();
  for (let r = 1; r <= count; r++) if (size[r] > 0) alive.add(r);
  while (alive.size > target) {
    let smallest = -1;
    for (const r of alive) if (smallest < 0 || size[r] < size[smallest] || (size[r] === size[smallest] && r < smallest)) smallest = r;
    let into = -1;
    let faces = -1;
    for (const [b, f] of adjacency[smallest]) if (f > faces || (f === faces && b < into)) [into, faces] = [b, f];
    alive.delete(smallest);
    if (into < 0) {
      parent[smallest] = 0;
      continue;
    }
    parent[smallest] = into;
    size[into] += size[smallest];
    for (const [b, f] of adjacency[smallest]) {
      adjacency[b].delete(smallest);
      if (b === into) continue;
      adjacency[into].set(b, (adjacency[into].get(b) ?? 0) + f);
      adjacency[b].set(into, (adjacency[b].get(into) ?? 0) + f);
    }
    adjacency[smallest].clear();
  }
  // Renumber 1…target in order of first voxel.
  const renumber = new Int32Array(count + 1);
  let next = 0;
  const out = new Int32Array(regions.length);
  for (let v = 0; v < regions.length; v++) {
    if (regions[v] === 0) continue;
    const r = regions[v] === 0 ? 0 : find(regions[v]);
    if (r === 0) continue;
    if (renumber[r] === 0) renumber[r] = ++next;
    out[v] = renumber[r];
  }
  return out;
}

/**
 * One layer of exactly `o.count` connected foreground supervoxels (1…count) inside `mask`. When
 * SLIC gives too few regions, it is rerun with more seeds.
 */
export function supervoxelLayer(image: Float32Array, mask: Uint8Array, dims: Vec3, spacing: Vec3, o: SlicOptions): Int32Array {
  let seeds = o.seeds;
  for (let attempt = 0; attempt < 6; attempt++) {
    const { components, count } = connectedComponents(slicCluster(image, mask, dims, spacing, { ...o, seeds }), dims);
    if (count >= o.count) return mergeToCount(components, count, dims, o.count);
    seeds = Math.ceil(seeds * 1.5);
  }
  throw new Error(`the mask is too small for ${o.count} supervoxels`);
}
