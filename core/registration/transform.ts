/**
 * Spatial transforms. Every registration result is a transform from the fixed (scan) world to the
 * moving (template) world, both LPS millimetres: a fixed point x corresponds to template point
 * T(x). Transforms compose through one interface, so an engine's result can be an affine
 * pre-alignment followed by a dense deformation, and every consumer (label warping, metrics,
 * export) treats it the same way.
 */
import { indexToWorldMatrix, worldToIndexMatrix, gridOf, sameGrid } from '../volume/volume.js';
import type { Grid, Mat3, Vec3 } from '../volume/volume.js';
import { sourceIndexCoordinatesAffine } from '../kernels/resample.js';
import { sampleVec3Clamped } from '../kernels/sample.js';

export interface SpatialTransform {
  readonly kind: 'affine' | 'displacement' | 'composite';
  /** Maps points (x,y,z interleaved, LPS mm) from fixed world to moving world. */
  mapPointsWorld(points: Float64Array): Float64Array;
  /** JSON form (displacement fields are referenced, not inlined). */
  describe(): TransformDescription;
}

export type TransformDescription =
  | { kind: 'affine'; matrix: number[] }
  | { kind: 'displacement'; grid: Grid; note: string }
  | { kind: 'composite'; transforms: TransformDescription[] };

export class AffineTransform implements SpatialTransform {
  readonly kind = 'affine' as const;
  /** 4×4 row-major, fixed world → moving world. */
  constructor(readonly matrix: Float64Array) {
    if (matrix.length !== 16) throw new Error('an affine transform needs a 4×4 matrix');
  }
  static identity(): AffineTransform {
    return new AffineTransform(Float64Array.from([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]));
  }
  mapPointsWorld(p: Float64Array): Float64Array {
    return this.mapPointsInto(p, new Float64Array(p.length));
  }
  /** The points mapped into `out` (which may be `p` itself). */
  mapPointsInto(p: Float64Array, out: Float64Array): Float64Array {
    const m = this.matrix;
    for (let i = 0; i < p.length; i += 3) {
      const x = p[i];
      const y = p[i + 1];
      const z = p[i + 2];
      out[i] = m[0] * x + m[1] * y + m[2] * z + m[3];
      out[i + 1] = m[4] * x + m[5] * y + m[6] * z + m[7];
      out[i + 2] = m[8] * x + m[9] * y + m[10] * z + m[11];
    }
    return out;
  }
  describe(): TransformDescription {
    return { kind: 'affine', matrix: Array.from(this.matrix) };
  }
}

/**
 * A dense displacement field u on a grid, in world millimetres: T(x) = x + u(x). Between voxel
 * centres u is interpolated trilinearly; beyond the grid it is held at the border value.
 */
export class DisplacementFieldTransform implements SpatialTransform {
  readonly kind = 'displacement' as const;
  readonly grid: Grid;
  constructor(
    grid: Grid,
    /** x,y,z interleaved per voxel, LPS mm. */
    readonly fieldMm: Float32Array,
  ) {
    this.grid = gridOf(grid);
    const n = grid.dims[0] * grid.dims[1] * grid.dims[2];
    if (fieldMm.length !== 3 * n) throw new Error('displacement field does not match its grid');
  }
  mapPointsWorld(p: Float64Array): Float64Array {
    const w2i = worldToIndexMatrix(this.grid);
    const [nx, ny, nz] = this.grid.dims;
    const out = new Float64Array(p.length);
    for (let i = 0; i < p.length; i += 3) {
      const x = p[i];
      const y = p[i + 1];
      const z = p[i + 2];
      const a = w2i[0] * x + w2i[1] * y + w2i[2] * z + w2i[3];
      const b = w2i[4] * x + w2i[5] * y + w2i[6] * z + w2i[7];
      const c = w2i[8] * x + w2i[9] * y + w2i[10] * z + w2i[11];
      sampleVec3Clamped(this.fieldMm, nx, ny, nz, a, b, c, out, i);
      out[i] += x;
      out[i + 1] += y;
      out[i + 2] += z;
    }
    return out;
  }
  describe(): TransformDescription {
    return { kind: 'displacement', grid: this.grid, note: 'T(x) = x + u(x), u in LPS mm; see displacement.nii' };
  }
}

/** Applies `transforms[0]` first, then `transforms[1]`, … (each maps the previous one's output). */
export class CompositeTransform implements SpatialTransform {
  readonly kind = 'composite' as const;
  constructor(readonly transforms: SpatialTransform[]) {}
  mapPointsWorld(p: Float64Array): Float64Array {
    return this.transforms.reduce((pts, t) => t.mapPointsWorld(pts), p);
  }
  describe(): TransformDescription {
    return { kind: 'composite', transforms: this.transforms.map((t) => t.describe()) };
  }
}

/** World coordinates of the voxel centres of slice k, written into out[offset…] (LPS mm, interleaved). */
function slicePointsWorld(i2w: ArrayLike<number>, nx: number, ny: number, k: number, out: Float64Array, offset: number): void {
  let o = offset;
  for (let j = 0; j < ny; j++)
    for (let i = 0; i < nx; i++) {
      out[o++] = i2w[0] * i + i2w[1] * j + i2w[2] * k + i2w[3];
      out[o++] = i2w[4] * i + i2w[5] * j + i2w[6] * k + i2w[7];
      out[o++] = i2w[8] * i + i2w[9] * j + i2w[10] * k + i2w[11];
    }
}

/** World coordinates (LPS mm, interleaved) of every voxel centre of a grid. */
export function gridPointsWorld(grid: Grid): Float64Array {
  const m = indexToWorldMatrix(grid);
  const [nx, ny, nz] = grid.dims;
  const out = new Float64Array(nx * ny * nz * 3);
  for (let k = 0; k < nz; k++) slicePointsWorld(m, nx, ny, k, out, 3 * nx * ny * k);
  return out;
}

/** What `evaluateOnGrid` returns; each array is present when it was asked for. */
export interface GridEvaluation {
  /** u(x) = T(x) − x for every voxel x of the target grid (LPS mm, interleaved). */
  displacementMm?: Float32Array;
  /** Continuous index of T(x) in the source grid, for every voxel x of the target (interleaved). */
  sourceIndex?: Float32Array;
}

/**
 * T applied in place to `p`, the voxel centres of slice k of `target`, without a new array per
 * slice for affine maps and for a displacement field on the target's own grid applied first (what
 * deformable engines return: read at its voxels, not interpolated); other transforms map a copy.
 * `atVoxels`: whether `p` still holds the voxel centres. Returns whether it still does.
 */
function mapSliceInPlace(t: SpatialTransform, p: Float64Array, target: Grid, k: number, atVoxels: boolean): boolean {
  if (t instanceof CompositeTransform) {
    for (const part of t.transforms) atVoxels = mapSliceInPlace(part, p, target, k, atVoxels);
    return atVoxels;
  }
  if (atVoxels && t instanceof DisplacementFieldTransform && sameGrid(t.grid, target)) {
    const base = p.length * k;
    for (let q = 0; q < p.length; q++) p[q] = p[q] + t.fieldMm[base + q];
  } else if (t instanceof AffineTransform) t.mapPointsInto(p, p);
  else p.set(t.mapPointsWorld(p));
  return false;
}

/**
 * Evaluates T once on every voxel centre of `target`, slice by slice (memory stays at the
 * outputs), giving the displacement field, the source-grid coordinates, or both from the same
 * mapped points.
 */
export function evaluateOnGrid(
  t: SpatialTransform,
  target: Grid,
  want: {
    displacement?: boolean;
    source?: Grid;
    /** Outputs computed here go to shared memory (for the kernel pool's thread). */
    shared?: boolean;
  },
): GridEvaluation {
  const { source } = want;
  if (t instanceof AffineTransform && source && !want.displacement)
    return { sourceIndex: sourceIndexCoordinatesAffine(target, source, t.matrix) };
  const out = gridEvaluationArrays(target, want);
  evaluateSlices(t, target, source, 0, target.dims[2], out);
  return out;
}

/** The (zeroed) output arrays of evaluateOnGrid, in shared memory when asked. */
export function gridEvaluationArrays(target: Grid, want: { displacement?: boolean; source?: Grid; shared?: boolean }): GridEvaluation {
  const n = 3 * target.dims[0] * target.dims[1] * target.dims[2];
  const floats = () => new Float32Array(want.shared ? new SharedArrayBuffer(4 * n) : new ArrayBuffer(4 * n));
  return { displacementMm: want.displacement ? floats() : undefined, sourceIndex: want.source ? floats() : undefined };
}

/** The parts of T in the order they apply (nested composites flattened). */
function flatParts(t: SpatialTransform): SpatialTransform[] {
  return t instanceof CompositeTransform ? t.transforms.flatMap(flatParts) : [t];
}

/**
 * What deformable engines return — a displacement field on the target's own grid, then affine
 * maps — as the field and the affines' matrices; undefined for any other transform.
 */
function fieldThenAffines(t: SpatialTransform, target: Grid): { field: Float32Array; affines: Float64Array[] } | undefined {
  const [first, ...rest] = flatParts(t);
  if (!(first instanceof DisplacementFieldTransform) || !sameGrid(first.grid, target)) return undefined;
  if (!rest.every((p) => p instanceof AffineTransform)) return undefined;
  return { field: first.fieldMm, affines: rest.map((p) => (p as AffineTransform).matrix) };
}

/**
 * evaluateSlices for a field on the target grid followed by affines, voxel by voxel without
 * intermediate arrays: the same operations in the same order as the general path (voxel centre,
 * plus the field, each affine in turn, then the differences and source indices), so the same values.
 */
function evaluateFieldThenAffines(
  { field, affines }: { field: Float32Array; affines: Float64Array[] },
  target: Grid,
  out: GridEvaluation,
  [k0, k1, first]: [number, number, number],
  source?: Grid,
): void {
  const [nx, ny] = target.dims;
  const m = indexToWorldMatrix(target);
  const w = source ? worldToIndexMatrix(source) : undefined;
  const { displacementMm, sourceIndex } = out;
  // q indexes the field (whole grid), o the outputs (from slice `first`).
  const shift = 3 * nx * ny * first;
  for (let k = k0; k < k1; k++)
    for (let j = 0; j < ny; j++) {
      let q = 3 * nx * (j + ny * k);
      for (let i = 0; i < nx; i++, q += 3) {
        const o = q - shift;
        // The voxel centre as slicePointsWorld computes it.
        const px = m[0] * i + m[1] * j + m[2] * k + m[3];
        const py = m[4] * i + m[5] * j + m[6] * k + m[7];
        const pz = m[8] * i + m[9] * j + m[10] * k + m[11];
        let x = px + field[q];
        let y = py + field[q + 1];
        let z = pz + field[q + 2];
        for (let n = 0; n < affines.length; n++) {
          const a = affines[n];
          const ax = a[0] * x + a[1] * y + a[2] * z + a[3];
          const ay = a[4] * x + a[5] * y + a[6] * z + a[7];
          const az = a[8] * x + a[9] * y + a[10] * z + a[11];
          x = ax;
          y = ay;
          z = az;
        }
        if (displacementMm) {
          displacementMm[o] = x - px;
          displacementMm[o + 1] = y - py;
          displacementMm[o + 2] = z - pz;
        }
        if (sourceIndex && w) {
          sourceIndex[o] = w[0] * x + w[1] * y + w[2] * z + w[3];
          sourceIndex[o + 1] = w[4] * x + w[5] * y + w[6] * z + w[7];
          sourceIndex[o + 2] = w[8] * x + w[9] * y + w[10] * z + w[11];
        }
      }
    }
}

/**
 * evaluateOnGrid's work for slices k0 ≤ k < k1, written into `out`'s arrays, which hold the grid
 * from slice `first` on (0: the whole grid).
 */
export function evaluateSlices(
  t: SpatialTransform,
  target: Grid,
  source: Grid | undefined,
  k0: number,
  k1: number,
  out: GridEvaluation,
  first = 0,
): void {
  const fast = fieldThenAffines(t, target);
  if (fast) return evaluateFieldThenAffines(fast, target, out, [k0, k1, first], source);
  const [nx, ny] = target.dims;
  const slice = nx * ny;
  const i2w = indexToWorldMatrix(target);
  const w2i = source ? worldToIndexMatrix(source) : undefined;
  const { displacementMm, sourceIndex } = out;
  const pts = new Float64Array(3 * slice);
  const mapped = new Float64Array(3 * slice);
  for (let k = k0; k < k1; k++) {
    slicePointsWorld(i2w, nx, ny, k, pts, 0);
    mapped.set(pts);
    mapSliceInPlace(t, mapped, target, k, true);
    const base = 3 * slice * (k - first);
    if (displacementMm) for (let q = 0; q < pts.length; q++) displacementMm[base + q] = mapped[q] - pts[q];
    if (sourceIndex && w2i)
      for (let q = 0; q < pts.length; q += 3) {
        const x = mapped[q];
        const y = mapped[q + 1];
        const z = mapped[q + 2];
        sourceIndex[base + q] = w2i[0] * x + w2i[1] * y + w2i[2] * z + w2i[3];
        sourceIndex[base + q + 1] = w2i[4] * x + w2i[5] * y + w2i[6] * z + w2i[7];
        sourceIndex[base + q + 2] = w2i[8] * x + w2i[9] * y + w2i[10] * z + w2i[11];
      }
  }
}

/**
 * A transform built only of affine maps and displacement fields as plain data (for another
 * thread: the fields are the same arrays), or undefined for other kinds.
 */
export type TransformData =
  | { kind: 'affine'; matrix: Float64Array }
  | { kind: 'displacement'; grid: Grid; fieldMm: Float32Array }
  | { kind: 'composite'; transforms: TransformData[] };

export function transformData(t: SpatialTransform): TransformData | undefined {
  if (t instanceof AffineTransform) return { kind: 'affine', matrix: Float64Array.from(t.matrix) };
  if (t instanceof DisplacementFieldTransform) return { kind: 'displacement', grid: t.grid, fieldMm: t.fieldMm };
  if (t instanceof CompositeTransform) {
    const parts = t.transforms.map(transformData);
    return parts.every((p) => p) ? { kind: 'composite', transforms: parts as TransformData[] } : undefined;
  }
  return undefined;
}

export function transformFromData(d: TransformData): SpatialTransform {
  if (d.kind === 'affine') return new AffineTransform(d.matrix);
  if (d.kind === 'displacement') return new DisplacementFieldTransform(d.grid, d.fieldMm);
  return new CompositeTransform(d.transforms.map(transformFromData));
}

/** Continuous source-grid index of T(x) for every voxel x of `target` (Float32, interleaved). */
export function sourceIndexCoordinates(target: Grid, source: Grid, t: SpatialTransform): Float32Array {
  return evaluateOnGrid(t, target, { source }).sourceIndex!;
}

/** The transform as a displacement field u(x) = T(x) − x on `grid` (LPS mm, interleaved). */
export function displacementOnGrid(t: SpatialTransform, grid: Grid): Float32Array {
  return evaluateOnGrid(t, grid, { displacement: true }).displacementMm!;
}

/**
 * ITK text transform file (Insight Transform File V1.0) for an affine: ITK's convention is the
 * same as ours (fixed physical point → moving physical point, LPS), so tools such as ITK-SNAP,
 * Slicer or elastix's transformix read it directly.
 */
export function affineToItkText(t: AffineTransform): string {
  const m = t.matrix;
  const params = [m[0], m[1], m[2], m[4], m[5], m[6], m[8], m[9], m[10], m[3], m[7], m[11]];
  return [
    '#Insight Transform File V1.0',
    '#Transform 0',
    'Transform: AffineTransform_double_3_3',
    `Parameters: ${params.map((v) => v.toPrecision(17)).join(' ')}`,
    'FixedParameters: 0 0 0',
    '',
  ].join('\n');
}

export function linearPart(m: ArrayLike<number>): Mat3 {
  return [m[0], m[1], m[2], m[4], m[5], m[6], m[8], m[9], m[10]];
}

export function translationPart(m: ArrayLike<number>): Vec3 {
  return [m[3], m[7], m[11]];
}
