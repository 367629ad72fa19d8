/**
 * The volume record shared by every layer.
 *
 * World convention (the one used everywhere in LabelWarp, same as ITK, DICOM and Cornerstone3D):
 * physical coordinates are LPS millimetres (x grows to the patient's Left, y to Posterior,
 * z to Superior). NIfTI files store RAS; the reader converts at the edge.
 *
 *   world = origin + direction · diag(spacing) · index
 *
 * `direction` is a row-major 3×3 matrix whose columns are the unit world directions of the
 * index axes i, j, k (ITK's layout). Voxel data are stored with i fastest:
 * offset = i + nx·(j + ny·k), times `components` for vector volumes (component fastest).
 */
export type VoxelArray = Float32Array | Float64Array | Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | Int32Array;

export type Vec3 = [number, number, number];
/** Row-major 3×3 matrix. */
export type Mat3 = [number, number, number, number, number, number, number, number, number];

export interface Grid {
  dims: Vec3;
  spacing: Vec3;
  origin: Vec3;
  direction: Mat3;
}

export interface Volume<T extends VoxelArray = VoxelArray> extends Grid {
  data: T;
  /** Values per voxel: 1 for images and label maps, 3 for displacement fields. */
  components: number;
}

export const IDENTITY3: Mat3 = [1, 0, 0, 0, 1, 0, 0, 0, 1];

export function voxelCount(grid: Grid): number {
  return grid.dims[0] * grid.dims[1] * grid.dims[2];
}

export function gridOf(v: Grid): Grid {
  return {
    dims: [...v.dims] as Vec3,
    spacing: [...v.spacing] as Vec3,
    origin: [...v.origin] as Vec3,
    direction: [...v.direction] as Mat3,
  };
}

export function createVolume<T extends VoxelArray>(grid: Grid, data: T, components = 1): Volume<T> {
  const n = voxelCount(grid) * components;
  if (data.length !== n) {
    throw new Error(`volume data has ${data.length} values, grid ${grid.dims.join('×')}×${components} needs ${n}`);
  }
  return { ...gridOf(grid), data, components };
}

/** 4×4 row-major homogeneous matrix mapping voxel index to world (LPS mm). */
export function indexToWorldMatrix(grid: Grid): Float64Array {
  const m = new Float64Array(16);
  const d = grid.direction;
  for (let r = 0; r < 3; r++) {
    for (let c = 0; c < 3; c++) m[r * 4 + c] = d[r * 3 + c] * grid.spacing[c];
    m[r * 4 + 3] = grid.origin[r];
  }
  m[15] = 1;
  return m;
}

/** 4×4 row-major homogeneous matrix mapping world (LPS mm) to continuous voxel index. */
export function worldToIndexMatrix(grid: Grid): Float64Array {
  return invert4(indexToWorldMatrix(grid));
}

export function indexToWorld(grid: Grid, idx: Vec3): Vec3 {
  return applyMatrix4(indexToWorldMatrix(grid), idx);
}

export function worldToIndex(grid: Grid, world: Vec3): Vec3 {
  return applyMatrix4(worldToIndexMatrix(grid), world);
}

export function applyMatrix4(m: ArrayLike<number>, p: ArrayLike<number>): Vec3 {
  return [
    m[0] * p[0] + m[1] * p[1] + m[2] * p[2] + m[3],
    m[4] * p[0] + m[5] * p[1] + m[6] * p[2] + m[7],
    m[8] * p[0] + m[9] * p[1] + m[10] * p[2] + m[11],
  ];
}

export function multiply4(a: ArrayLike<number>, b: ArrayLike<number>): Float64Array {
  const out = new Float64Array(16);
  for (let r = 0; r < 4; r++)
    for (let c = 0; c < 4; c++) {
      let s = 0;
      for (let k = 0; k < 4; k++) s += a[r * 4 + k] * b[k * 4 + c];
      out[r * 4 + c] = s;
    }
  return out;
}

export function invert4(m: ArrayLike<number>): Float64Array {
  // Gauss-Jordan with partial pivoting on a copy.
  const a = Array.from(m);
  const inv = [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1];
  for (let col = 0; col < 4; col++) {
    let pivot = col;
    for (let r = col + 1; r < 4; r++) if (Math.abs(a[r * 4 + col]) > Math.abs(a[pivot * 4 + col])) pivot = r;
    const pv = a[pivot * 4 + col];
    if (Math.abs(pv) < 1e-12) throw new Error('matrix is singular');
    if (pivot !== col)
      for (let c = 0; c < 4; c++) {
        [a[col * 4 + c], a[pivot * 4 + c]] = [a[pivot * 4 + c], a[col * 4 + c]];
        [inv[col * 4 + c], inv[pivot * 4 + c]] = [inv[pivot * 4 + c], inv[col * 4 + c]];
      }
    for (let c = 0; c < 4; c++) {
      a[col * 4 + c] /= pv;
      inv[col * 4 + c] /= pv;
    }
    for (let r = 0; r < 4; r++) {
      if (r === col) continue;
      const f = a[r * 4 + col];
      if (f === 0) continue;
      for (let c = 0; c < 4; c++) {
        a[r * 4 + c] -= f * a[col * 4 + c];
        inv[r * 4 + c] -= f * inv[col * 4 + c];
      }
    }
  }
  return Float64Array.from(inv);
}

/** True when two grids describe the same voxel lattice in world space (within `tolMm`). */
export function sameGrid(a: Grid, b: Grid, tolMm = 1e-3): boolean {
  if (a.dims.some((d, i) => d !== b.dims[i])) return false;
  const ma = indexToWorldMatrix(a);
  const mb = indexToWorldMatrix(b);
  // Compare the world position of the corners of the lattice.
  for (const corner of [
    [0, 0, 0],
    [a.dims[0] - 1, 0, 0],
    [0, a.dims[1] - 1, 0],
    [0, 0, a.dims[2] - 1],
  ]) {
    const pa = applyMatrix4(ma, corner);
    const pb = applyMatrix4(mb, corner);
    if (Math.hypot(pa[0] - pb[0], pa[1] - pb[1], pa[2] - pb[2]) > tolMm) return false;
  }
  return true;
}

export function describeGrid(g: Grid): string {
  const f = (v: number[]) => v.map((x) => +x.toFixed(3)).join('×');
  return `${g.dims.join('×')} voxels, spacing ${f(g.spacing)} mm, origin (${g.origin.map((x) => x.toFixed(2)).join(', ')})`;
}

/** World (LPS mm) centre of the grid. */
export function gridCentreWorld(g: Grid): Vec3 {
  return indexToWorld(g, [(g.dims[0] - 1) / 2, (g.dims[1] - 1) / 2, (g.dims[2] - 1) / 2]);
}

/** Copies the data into a Float32Array (the working type of all kernels). */
export function toFloat32(v: Volume): Volume<Float32Array> {
  const data = v.data instanceof Float32Array ? v.data : Float32Array.from(v.data as ArrayLike<number>);
  return { ...gridOf(v), data, components: v.components };
}
