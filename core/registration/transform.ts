/**
 * Spatial transforms. Every registration result is a transform from the fixed (scan) world to the
 * moving (template) world, both LPS millimetres: a fixed point x corresponds to template point
 * T(x). Transforms compose through one interface, so an engine's result can be an affine
 * pre-alignment followed by a dense deformation, and every consumer (label warping, metrics,
 * export) treats it the same way.
 */
import { indexToWorldMatrix, worldToIndexMatrix, gridOf } from '../volume/volume.js';
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
    const m = this.matrix;
    const out = new Float64Array(p.length);
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
    return { kind: 'displacement', grid: this.grid, note: 'T(x) = x + u(x), u in LPS mm; see displacement.nii.gz' };
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

/** World coordinates (LPS mm, interleaved) of every voxel centre of a grid. */
export function gridPointsWorld(grid: Grid): Float64Array {
  const m = indexToWorldMatrix(grid);
  const [nx, ny, nz] = grid.dims;
  const out = new Float64Array(nx * ny * nz * 3);
  let o = 0;
  for (let k = 0; k < nz; k++)
    for (let j = 0; j < ny; j++)
      for (let i = 0; i < nx; i++) {
        out[o++] = m[0] * i + m[1] * j + m[2] * k + m[3];
        out[o++] = m[4] * i + m[5] * j + m[6] * k + m[7];
        out[o++] = m[8] * i + m[9] * j + m[10] * k + m[11];
      }
  return out;
}

/** Continuous source-grid index of T(x) for every voxel x of `target` (Float32, interleaved). */
export function sourceIndexCoordinates(target: Grid, source: Grid, t: SpatialTransform): Float32Array {
  if (t instanceof AffineTransform) return sourceIndexCoordinatesAffine(target, source, t.matrix);
  const mapped = t.mapPointsWorld(gridPointsWorld(target));
  const w2i = worldToIndexMatrix(source);
  const out = new Float32Array(mapped.length);
  for (let i = 0; i < mapped.length; i += 3) {
    const x = mapped[i];
    const y = mapped[i + 1];
    const z = mapped[i + 2];
    out[i] = w2i[0] * x + w2i[1] * y + w2i[2] * z + w2i[3];
    out[i + 1] = w2i[4] * x + w2i[5] * y + w2i[6] * z + w2i[7];
    out[i + 2] = w2i[8] * x + w2i[9] * y + w2i[10] * z + w2i[11];
  }
  return out;
}

/** The transform as a displacement field u(x) = T(x) − x on `grid` (LPS mm, interleaved). */
export function displacementOnGrid(t: SpatialTransform, grid: Grid): Float32Array {
  const pts = gridPointsWorld(grid);
  const mapped = t.mapPointsWorld(pts);
  const out = new Float32Array(pts.length);
  for (let i = 0; i < pts.length; i++) out[i] = mapped[i] - pts[i];
  return out;
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
