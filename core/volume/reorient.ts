/**
 * Exact reorientation between two grids that hold the same voxel centres in another index order
 * (an axis permutation and/or flips, as a DICOM series read back with its slices reversed): the
 * voxels are copied, never interpolated, as ITK's orient filter does. Grids that differ in any
 * other way have no mapping.
 */
import { applyMatrix4, indexToWorldMatrix } from './volume.js';
import type { Grid, Volume, VoxelArray } from './volume.js';

/** For each target index axis: the source axis it runs along, and whether it runs backwards. */
export interface LatticeMapping {
  axis: [number, number, number];
  flip: [boolean, boolean, boolean];
}

const PERMUTATIONS: [number, number, number][] = [
  [0, 1, 2],
  [0, 2, 1],
  [1, 0, 2],
  [1, 2, 0],
  [2, 0, 1],
  [2, 1, 0],
];

/** Voxel centres may differ by this fraction of the smallest voxel size (DICOM stores positions as text). */
const RELATIVE_TOLERANCE = 0.01;

/**
 * The index mapping under which `source` and `target` put every voxel centre at the same world
 * point (within 1 % of a voxel, and at least `minTolMm`), or undefined when the lattices differ.
 * The identity is tried first.
 */
export function latticeMapping(source: Grid, target: Grid, minTolMm = 1e-3): LatticeMapping | undefined {
  const tol = Math.max(minTolMm, RELATIVE_TOLERANCE * Math.min(...source.spacing, ...target.spacing));
  const ms = indexToWorldMatrix(source);
  const mt = indexToWorldMatrix(target);
  const corners: [number, number, number][] = [];
  for (let c = 0; c < 8; c++) corners.push([c & 1 ? 1 : 0, c & 2 ? 1 : 0, c & 4 ? 1 : 0]);
  for (const axis of PERMUTATIONS) {
    if (axis.some((b, a) => source.dims[b] !== target.dims[a])) continue;
    for (let f = 0; f < 8; f++) {
      const flip: [boolean, boolean, boolean] = [Boolean(f & 1), Boolean(f & 2), Boolean(f & 4)];
      const fits = corners.every((corner) => {
        const t = corner.map((c, a) => c * (target.dims[a] - 1));
        const s = [0, 0, 0];
        for (let a = 0; a < 3; a++) s[axis[a]] = flip[a] ? target.dims[a] - 1 - t[a] : t[a];
        const pt = applyMatrix4(mt, t);
        const ps = applyMatrix4(ms, s);
        return Math.hypot(pt[0] - ps[0], pt[1] - ps[1], pt[2] - ps[2]) <= tol;
      });
      if (fits) return { axis, flip };
    }
  }
  return undefined;
}

export function isIdentityMapping(m: LatticeMapping): boolean {
  return m.axis.every((b, a) => b === a) && !m.flip.some(Boolean);
}

/** "i, j, −k": the source axis along each target axis, a minus sign where it runs backwards. */
export function describeMapping(m: LatticeMapping): string {
  return m.axis.map((b, a) => `${m.flip[a] ? '−' : ''}${'ijk'[b]}`).join(', ');
}

/**
 * Copies `source`'s voxels onto `target`'s grid through `mapping` (see latticeMapping). Meant for
 * scalar volumes (labels, images): the components of a vector volume are copied, not rotated.
 */
export function reorientVolume<T extends VoxelArray>(source: Volume<T>, target: Grid, mapping: LatticeMapping): Volume<T> {
  const [nx, ny, nz] = target.dims;
  const c = source.components;
  const out = new (source.data.constructor as new (n: number) => T)(nx * ny * nz * c);
  const sStride = [1, source.dims[0], source.dims[0] * source.dims[1]];
  // Source offset step and start along each target axis.
  const step = [0, 1, 2].map((a) => (mapping.flip[a] ? -1 : 1) * sStride[mapping.axis[a]]);
  let start = 0;
  for (let a = 0; a < 3; a++) if (mapping.flip[a]) start += (target.dims[a] - 1) * sStride[mapping.axis[a]];
  let o = 0;
  for (let k = 0; k < nz; k++)
    for (let j = 0; j < ny; j++) {
      let s = start + k * step[2] + j * step[1];
      for (let i = 0; i < nx; i++, s += step[0], o++) {
        for (let q = 0; q < c; q++) out[o * c + q] = source.data[s * c + q];
      }
    }
  return {
    dims: [...target.dims],
    spacing: [...target.spacing],
    origin: [...target.origin],
    direction: [...target.direction],
    data: out,
    components: c,
  } as Volume<T>;
}

/** True when the two grids hold the same voxel centres, in any index order. */
export function sameLattice(a: Grid, b: Grid): boolean {
  return latticeMapping(a, b) !== undefined;
}

/**
 * `volume` on `grid`'s voxel order: itself when the grids already agree, an exact reorientation
 * when they hold the same voxel centres in another order (`mapping` says which), undefined otherwise.
 */
export function onLattice<T extends VoxelArray>(
  volume: Volume<T>,
  grid: Grid,
): { volume: Volume<T>; mapping?: LatticeMapping } | undefined {
  const mapping = latticeMapping(volume, grid);
  if (!mapping) return undefined;
  if (isIdentityMapping(mapping)) return { volume };
  return { volume: reorientVolume(volume, grid, mapping), mapping };
}
