import { gzipSync } from 'node:zlib';
import type { Grid, Mat3, Vec3, Volume } from '../../core/volume/volume.js';
import { indexToWorldMatrix, IDENTITY3, invert4, applyMatrix4 } from '../../core/volume/volume.js';

export const SHARED = process.env.LABELWARP_DATA ?? new URL('../../../shared/data/', import.meta.url).pathname;

export function grid(dims: Vec3, spacing: Vec3 = [1, 1, 1], origin: Vec3 = [0, 0, 0], direction: Mat3 = IDENTITY3): Grid {
  return { dims, spacing, origin, direction };
}

/** Fills a grid with f(world point). */
export function fromWorldFunction(g: Grid, f: (x: number, y: number, z: number) => number): Volume<Float32Array> {
  const m = indexToWorldMatrix(g);
  const [nx, ny, nz] = g.dims;
  const data = new Float32Array(nx * ny * nz);
  let v = 0;
  for (let k = 0; k < nz; k++)
    for (let j = 0; j < ny; j++)
      for (let i = 0; i < nx; i++, v++) {
        const x = m[0] * i + m[1] * j + m[2] * k + m[3];
        const y = m[4] * i + m[5] * j + m[6] * k + m[7];
        const z = m[8] * i + m[9] * j + m[10] * k + m[11];
        data[v] = f(x, y, z);
      }
  return { ...g, data, components: 1 };
}

/** A smooth head-like phantom: nested ellipsoids with different intensities and an off-centre blob. */
export function phantom(x: number, y: number, z: number, c: Vec3 = [0, 0, 0]): number {
  const e = (a: number, b: number, cc: number, ox = 0, oy = 0, oz = 0) =>
    ((x - c[0] - ox) / a) ** 2 + ((y - c[1] - oy) / b) ** 2 + ((z - c[2] - oz) / cc) ** 2;
  const soft = (r: number) => 1 / (1 + Math.exp((r - 1) * 12));
  return 0.3 * soft(e(26, 20, 16)) + 0.5 * soft(e(14, 9, 8, 4, -2, 1)) + 0.6 * soft(e(5, 6, 4, -10, 6, -3));
}

/** Fixed world → moving world: a rotation of 8° about z, 6% scaling in x, shear, shift. */
const ROT = (8 * Math.PI) / 180;
export const KNOWN_AFFINE = Float64Array.from([
  1.06 * Math.cos(ROT),
  -Math.sin(ROT),
  0.03,
  4,
  Math.sin(ROT),
  Math.cos(ROT),
  0,
  -3,
  0,
  0.04,
  0.97,
  2.5,
  0,
  0,
  0,
  1,
]);

/**
 * The phantom on a fixed grid, and on another grid seen through KNOWN_AFFINE, at another intensity
 * scale: M(T(x)) = F(x), i.e. M(y) = F(T⁻¹ y).
 */
export function affinePhantomPair(): { fixed: Volume<Float32Array>; moving: Volume<Float32Array> } {
  const fixed = fromWorldFunction(grid([48, 44, 38], [1.5, 1.5, 1.5], [-36, -33, -28]), (x, y, z) => phantom(x, y, z));
  const inv = invert4(KNOWN_AFFINE);
  const moving = fromWorldFunction(grid([40, 40, 30], [2, 1.8, 2.1], [-38, -34, -30]), (x, y, z) => {
    const p = applyMatrix4(inv, [x, y, z]);
    return phantom(p[0], p[1], p[2]) * 100 + 20;
  });
  return { fixed, moving };
}

export interface RawNiftiOptions {
  dims: Vec3;
  datatype: number; // NIfTI code
  data: ArrayBufferView;
  pixdim?: Vec3;
  qformCode?: number;
  sformCode?: number;
  quatern?: [number, number, number]; // b, c, d
  qoffset?: Vec3;
  qfac?: 1 | -1;
  srow?: [number[], number[], number[]];
  slope?: number;
  inter?: number;
  ndim?: number;
  extraDims?: number[];
  gzip?: boolean;
}

/** Writes a single-file NIfTI-1 (test fixture builder; the app itself reads and writes through ITK). */
export function rawNifti(o: RawNiftiOptions): Buffer {
  const h = Buffer.alloc(352);
  h.writeInt32LE(348, 0);
  const ndim = o.ndim ?? 3;
  const dimArr = [ndim, ...o.dims, ...(o.extraDims ?? []), 1, 1, 1, 1].slice(0, 8);
  dimArr.forEach((d, i) => h.writeInt16LE(d, 40 + 2 * i));
  h.writeInt16LE(o.datatype, 70);
  const bytesPer = (o.data as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT;
  h.writeInt16LE(bytesPer * 8, 72);
  const pix = [o.qfac ?? 1, ...(o.pixdim ?? [1, 1, 1]), 1, 1, 1, 1];
  pix.forEach((p, i) => h.writeFloatLE(p, 76 + 4 * i));
  h.writeFloatLE(352, 108);
  h.writeFloatLE(o.slope ?? 1, 112);
  h.writeFloatLE(o.inter ?? 0, 116);
  h.writeUInt8(10, 123); // xyzt units: mm, s
  h.writeInt16LE(o.qformCode ?? 0, 252);
  h.writeInt16LE(o.sformCode ?? 0, 254);
  const q = o.quatern ?? [0, 0, 0];
  const qo = o.qoffset ?? [0, 0, 0];
  [...q, ...qo].forEach((v, i) => h.writeFloatLE(v, 256 + 4 * i));
  const s = o.srow ?? [
    [1, 0, 0, 0],
    [0, 1, 0, 0],
    [0, 0, 1, 0],
  ];
  s.flat().forEach((v, i) => h.writeFloatLE(v, 280 + 4 * i));
  h.write('n+1\0', 344, 'latin1');
  const body = Buffer.from(o.data.buffer, o.data.byteOffset, o.data.byteLength);
  const file = Buffer.concat([h, body]);
  return o.gzip === false ? file : gzipSync(file);
}
