import { describe, expect, it } from 'vitest';
import { latticeMapping, reorientVolume, describeMapping, sameLattice } from '../../core/volume/reorient.js';
import { indexToWorld } from '../../core/volume/volume.js';
import type { Grid, Mat3, Vec3 } from '../../core/volume/volume.js';

/** The grid whose index axes are `source`'s axes `axis[a]`, run backwards where `flip[a]`: the same voxel centres. */
function permutedGrid(source: Grid, axis: number[], flip: boolean[]): Grid {
  const d = source.direction;
  const col = (b: number) => [d[b], d[3 + b], d[6 + b]];
  const dims = axis.map((b) => source.dims[b]) as Vec3;
  const spacing = axis.map((b) => source.spacing[b]) as Vec3;
  const cols = axis.map((b, a) => col(b).map((x) => (flip[a] ? -x : x)));
  const direction = [0, 1, 2].flatMap((r) => cols.map((c) => c[r])) as Mat3;
  const start = [0, 0, 0];
  axis.forEach((b, a) => (start[b] = flip[a] ? source.dims[b] - 1 : 0));
  return { dims, spacing, direction, origin: indexToWorld(source, start as Vec3) };
}

describe('exact reorientation between index orders of one lattice', () => {
  const source: Grid = { dims: [5, 4, 3], spacing: [1.5, 1, 2], origin: [10, -20, 30], direction: [0, 0, -1, 1, 0, 0, 0, 1, 0] };
  const data = Int32Array.from({ length: 60 }, (_, i) => i * 7 + 1);
  const vol = { ...source, data, components: 1 };

  for (const [axis, flip] of [
    [
      [0, 1, 2],
      [false, false, true],
    ],
    [
      [2, 0, 1],
      [true, false, true],
    ],
    [
      [1, 2, 0],
      [false, true, false],
    ],
  ] as [number[], boolean[]][]) {
    it(`finds and applies axes ${axis.join('')} flips ${flip.map(Number).join('')}`, () => {
      const target = permutedGrid(source, axis, flip);
      const mapping = latticeMapping(source, target);
      expect(mapping).toEqual({ axis, flip });
      const out = reorientVolume(vol, target, mapping!);
      // Each target voxel holds the source voxel at the same world point.
      for (let k = 0; k < target.dims[2]; k++)
        for (let j = 0; j < target.dims[1]; j++)
          for (let i = 0; i < target.dims[0]; i++) {
            const w = indexToWorld(target, [i, j, k]);
            const inv = [0, 1, 2].map((b) => {
              const a = axis.indexOf(b);
              const t = [i, j, k][a];
              return flip[a] ? target.dims[a] - 1 - t : t;
            });
            expect(indexToWorld(source, inv as Vec3).map((x, q) => Math.abs(x - w[q]) < 1e-9)).toEqual([true, true, true]);
            expect(out.data[i + target.dims[0] * (j + target.dims[1] * k)]).toBe(data[inv[0] + 5 * (inv[1] + 4 * inv[2])]);
          }
      expect(describeMapping(mapping!)).toMatch(/^−?[ijk], −?[ijk], −?[ijk]$/);
    });
  }

  it('refuses grids that really differ: shifted by half a voxel, other spacing, other size', () => {
    const flipped = permutedGrid(source, [0, 1, 2], [false, false, true]);
    expect(sameLattice(source, { ...flipped, origin: [flipped.origin[0] + 0.75, flipped.origin[1], flipped.origin[2]] })).toBe(false);
    expect(sameLattice(source, { ...source, spacing: [1.5, 1, 2.1] })).toBe(false);
    expect(sameLattice(source, { ...source, dims: [5, 4, 4] })).toBe(false);
    expect(latticeMapping(source, source)).toEqual({ axis: [0, 1, 2], flip: [false, false, false] });
  });
});
