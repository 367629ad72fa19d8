import { describe, expect, it, beforeAll } from 'vitest';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { writeImageNode } from '@itk-wasm/image-io';
import { volumeToImage, readVolume } from '../../core/volume/io.js';
import { writeNifti } from '../../core/volume/nifti-writer.js';
import { createVolume } from '../../core/volume/volume.js';
import type { Mat3, Volume } from '../../core/volume/volume.js';

let tmp: string;
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'lw-nifti-'));
});

const c = Math.cos(0.3);
const s = Math.sin(0.3);
const DIRECTIONS: [string, Mat3][] = [
  ['identity', [1, 0, 0, 0, 1, 0, 0, 0, 1]],
  ['RAS storage', [-1, 0, 0, 0, -1, 0, 0, 0, 1]],
  ['oblique', [c, -s, 0, s, c, 0, 0, 0, 1]],
  ['coronal', [1, 0, 0, 0, 0, 1, 0, -1, 0]],
  ['permuted', [0, 0, 1, 1, 0, 0, 0, 1, 0]],
  ['oblique, reflected', [c, 0, s, 0, -1, 0, s, 0, -c]],
];
/** Header floats that ITK rounds its own way: quatern_b..d, qoffset, srow_x..z. */
const GEOMETRY_FLOATS = { from: 256, to: 328 };

function volume(direction: Mat3, components: number, Type: Float32ArrayConstructor | Uint8ArrayConstructor): Volume {
  const data = new Type(5 * 4 * 3 * components).map((_, i) => (Type === Uint8Array ? i % 7 : Math.sin(i) * 10));
  return createVolume({ dims: [5, 4, 3], spacing: [1.5, 0.7, 2], origin: [10, -20, 30.5], direction }, data, components);
}

describe('NIfTI writer of the result folder', () => {
  for (const [name, direction] of DIRECTIONS)
    for (const [kind, components, Type] of [
      ['float image', 1, Float32Array],
      ['label map', 1, Uint8Array],
      ['displacement field', 3, Float32Array],
    ] as const)
      it(`writes what ITK's NIfTI writer writes: ${kind}, ${name}`, async () => {
        const vol = volume(direction, components, Type);
        const itkFile = path.join(tmp, `itk-${name}-${kind}.nii`);
        const ownFile = path.join(tmp, `own-${name}-${kind}.nii`);
        await writeImageNode(volumeToImage(vol), itkFile, { useCompression: false });
        await writeNifti(ownFile, vol);
        await writeNifti(`${ownFile}.gz`, vol);
        const itk = await fs.readFile(itkFile);
        const own = await fs.readFile(ownFile);
        expect(gunzipSync(await fs.readFile(`${ownFile}.gz`)).equals(own)).toBe(true);
        expect(own.length).toBe(itk.length);
        // Every byte but the geometry floats is identical (the data included, vectors in ITK's layout).
        const { from, to } = GEOMETRY_FLOATS;
        expect(own.subarray(0, from).equals(itk.subarray(0, from))).toBe(true);
        expect(own.subarray(to).equals(itk.subarray(to))).toBe(true);
        for (let o = from; o < to; o += 4) expect(own.readFloatLE(o)).toBeCloseTo(itk.readFloatLE(o), 6);
        // And ITK reads it back as the same volume.
        const back = await readVolume(ownFile, components === 3 ? 'vector' : Type === Uint8Array ? 'labels' : 'image');
        expect(back.dims).toEqual(vol.dims);
        back.origin.forEach((v, i) => expect(v).toBeCloseTo(vol.origin[i], 4));
        back.spacing.forEach((v, i) => expect(v).toBeCloseTo(vol.spacing[i], 5));
        back.direction.forEach((v, i) => expect(v).toBeCloseTo(vol.direction[i], 5));
        expect(Array.from(back.data)).toEqual(Array.from(vol.data));
      });

  it('writes a field of several chunks, and its component-by-component copy, to the same bytes', async () => {
    const dims: [number, number, number] = [130, 101, 90]; // 1.18 million voxels: two chunks per component
    const n = dims[0] * dims[1] * dims[2];
    const data = new Float32Array(3 * n).map((_, i) => Math.sin(i * 0.001) * 5 + (i % 3));
    const field = createVolume({ dims, spacing: [1, 1, 1.2], origin: [1, 2, 3], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] }, data, 3);
    const byComponent = new Float32Array(3 * n);
    for (let v = 0; v < n; v++) for (let c = 0; c < 3; c++) byComponent[c * n + v] = data[3 * v + c];
    const plain = path.join(tmp, 'chunks.nii');
    const ready = path.join(tmp, 'chunks-ready.nii');
    await writeNifti(plain, field);
    await writeNifti(ready, field, { byComponent });
    await writeNifti(`${ready}.gz`, field, { byComponent });
    const bytes = await fs.readFile(plain);
    expect(bytes.length).toBe(352 + 12 * n);
    expect((await fs.readFile(ready)).equals(bytes)).toBe(true);
    expect(gunzipSync(await fs.readFile(`${ready}.gz`)).equals(bytes)).toBe(true);
    // NIfTI's order: component 1 of voxel 777 777 lies in the second block.
    expect(bytes.readFloatLE(352 + 4 * (n + 777_777))).toBe(data[3 * 777_777 + 1]);
    await expect(writeNifti(ready, field, { byComponent: byComponent.subarray(1) })).rejects.toThrow(/does not match/);
  });
});
