import { describe, expect, it, beforeAll } from 'vitest';
import { promises as fs } from 'node:fs';
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { commitFolder, prepareFolder, recoverFolder } from '../../core/results/commit-folder.js';
import { existingResultFile, isResultEntry, resultFile } from '../../core/results/result-folder.js';
import { AffineTransform, CompositeTransform, DisplacementFieldTransform, evaluateOnGrid } from '../../core/registration/transform.js';
import { segmentationMetrics } from '../../core/metrics/overlap.js';
import { transferParallel, segmentationMetricsParallel } from '../../core/parallel/kernel-pool.js';
import { pairStatistics } from '../../core/metrics/overlap.js';
import { warpedGridPattern } from '../../core/pipeline/review-layers.js';
import { sampleAtCoordinates } from '../../core/kernels/resample.js';
import { createVolume } from '../../core/volume/volume.js';
import type { Grid } from '../../core/volume/volume.js';

let tmp: string;
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'lw-result-folder-'));
});

/** The id of a process that has ended. */
const deadPid = () => spawnSync(process.execPath, ['-e', '']).pid!;
const owned = (name: string) => name.endsWith('.txt');

describe('committing a folder as a whole', () => {
  it('replaces the folder, and leaves it untouched when writing fails', async () => {
    const dir = path.join(tmp, 'a', 'out');
    await commitFolder(dir, owned, (s) => fs.writeFile(path.join(s, 'one.txt'), '1'));
    await commitFolder(dir, owned, (s) => fs.writeFile(path.join(s, 'two.txt'), '2'));
    expect(await fs.readdir(dir)).toEqual(['two.txt']);
    await expect(
      commitFolder(dir, owned, async (s) => {
        await fs.writeFile(path.join(s, 'three.txt'), '3');
        throw new Error('disk full');
      }),
    ).rejects.toThrow('disk full');
    expect(await fs.readdir(dir)).toEqual(['two.txt']);
    expect(await fs.readdir(path.dirname(dir))).toEqual(['out']);
  });

  it('restores the old folder when a process died between the two renames, and removes leftovers', async () => {
    const parent = path.join(tmp, 'b');
    const pid = deadPid();
    await fs.mkdir(path.join(parent, `.out.lw-old-${pid}-0a0b0c0d`), { recursive: true });
    await fs.writeFile(path.join(parent, `.out.lw-old-${pid}-0a0b0c0d`, 'old.txt'), 'old');
    await fs.mkdir(path.join(parent, `.out.lw-new-${pid}-01020304`));
    await recoverFolder(path.join(parent, 'out'));
    expect((await fs.readdir(parent)).sort()).toEqual(['out']);
    expect(await fs.readdir(path.join(parent, 'out'))).toEqual(['old.txt']);
  });

  it('keeps the staging folder of a process still running', async () => {
    const parent = path.join(tmp, 'c');
    const live = path.join(parent, `.out.lw-new-${process.ppid}-01020304`);
    await fs.mkdir(live, { recursive: true });
    await recoverFolder(path.join(parent, 'out'));
    expect(await fs.readdir(parent)).toEqual([path.basename(live)]);
  });

  it('refuses a folder holding files that are not part of a result', async () => {
    const dir = path.join(tmp, 'd');
    await fs.mkdir(dir);
    await fs.writeFile(path.join(dir, 'labels.nii.gz'), '');
    await fs.writeFile(path.join(dir, 'notes.md'), '');
    await expect(prepareFolder(dir, isResultEntry)).rejects.toThrow(/d: holds files that are not part of a LabelWarp result \(notes\.md\)/);
    expect(isResultEntry('metrics.json')).toBe(true);
    expect(isResultEntry('.labels.tmp-123-0a1b2c3d.nii.gz')).toBe(true);
  });
});

describe('result folders of earlier versions', () => {
  it('find the warped template under its former names (warped-template.nii.gz, warped-atlas.nii.gz), which a new result replaces', async () => {
    const dir = path.join(tmp, 'legacy');
    await fs.mkdir(dir);
    expect(await existingResultFile(dir, 'warpedTemplate')).toBe(path.join(dir, 'warped-template.nii'));
    await fs.writeFile(path.join(dir, 'warped-atlas.nii.gz'), 'x');
    expect(await existingResultFile(dir, 'warpedTemplate')).toBe(path.join(dir, 'warped-atlas.nii.gz'));
    await fs.writeFile(path.join(dir, 'warped-template.nii.gz'), 'x');
    expect(await existingResultFile(dir, 'warpedTemplate')).toBe(path.join(dir, 'warped-template.nii.gz'));
    await fs.writeFile(resultFile(dir, 'warpedTemplate'), 'x');
    expect(await existingResultFile(dir, 'warpedTemplate')).toBe(path.join(dir, 'warped-template.nii'));
    expect(isResultEntry('warped-atlas.nii.gz')).toBe(true);
    expect(isResultEntry('warped-template.nii.gz')).toBe(true);
    expect(await existingResultFile(dir, 'labels')).toBe(path.join(dir, 'labels.nii.gz'));
  });
});

describe('evaluating a transform once on a grid', () => {
  const grid: Grid = { dims: [6, 5, 4], spacing: [1.2, 0.9, 2], origin: [3, -4, 5], direction: [0, 1, 0, -1, 0, 0, 0, 0, 1] };
  const n = 6 * 5 * 4;
  const field = new Float32Array(3 * n).map((_, i) => Math.sin(i) * 0.7);
  const affine = new AffineTransform(Float64Array.from([1.05, 0.02, 0, 1, -0.03, 0.97, 0.01, -2, 0, 0.02, 1.1, 0.5, 0, 0, 0, 1]));
  const t = new CompositeTransform([new DisplacementFieldTransform(grid, field), affine]);

  it('gives the same displacement and source coordinates as mapping every point', () => {
    const source: Grid = { dims: [7, 7, 7], spacing: [1, 1, 1], origin: [-2, -9, 1], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] };
    const e = evaluateOnGrid(t, grid, { displacement: true, source });
    const generic = evaluateOnGrid({ kind: 'composite', mapPointsWorld: (p) => t.mapPointsWorld(p), describe: () => t.describe() }, grid, {
      displacement: true,
      source,
    });
    for (let i = 0; i < 3 * n; i++) {
      expect(e.displacementMm![i]).toBeCloseTo(generic.displacementMm![i], 4);
      expect(e.sourceIndex![i]).toBeCloseTo(generic.sourceIndex![i], 4);
    }
  });

  it('gives exactly the values of the slice-by-slice path for a field then affines (evaluated voxel by voxel)', () => {
    const source: Grid = { dims: [7, 7, 7], spacing: [1, 1, 1], origin: [-2, -9, 1], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] };
    const second = new AffineTransform(Float64Array.from([0.99, 0, 0.01, -0.5, 0, 1.01, 0, 0.25, 0.02, 0, 1, 0, 0, 0, 0, 1]));
    // A trailing identity the fast path does not recognise keeps the general path, with the same arithmetic.
    const identity = {
      kind: 'composite' as const,
      mapPointsWorld: (p: Float64Array) => Float64Array.from(p),
      describe: () => t.describe(),
    };
    for (const affines of [[affine], [affine, second], []]) {
      const fast = evaluateOnGrid(new CompositeTransform([new DisplacementFieldTransform(grid, field), ...affines]), grid, {
        displacement: true,
        source,
      });
      const general = evaluateOnGrid(new CompositeTransform([new DisplacementFieldTransform(grid, field), ...affines, identity]), grid, {
        displacement: true,
        source,
      });
      expect(Array.from(fast.displacementMm!)).toEqual(Array.from(general.displacementMm!));
      expect(Array.from(fast.sourceIndex!)).toEqual(Array.from(general.sourceIndex!));
    }
  });

  it('gives the same values in shared memory', () => {
    const source: Grid = { dims: [7, 7, 7], spacing: [1, 1, 1], origin: [-2, -9, 1], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] };
    const plain = evaluateOnGrid(t, grid, { displacement: true, source });
    const inShared = evaluateOnGrid(t, grid, { displacement: true, source, shared: true });
    expect(inShared.sourceIndex!.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(inShared.displacementMm!.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(Array.from(inShared.sourceIndex!)).toEqual(Array.from(plain.sourceIndex!));
    expect(Array.from(inShared.displacementMm!)).toEqual(Array.from(plain.displacementMm!));
  });
});

describe('label transfer on two threads', () => {
  it('gives, voxel for voxel, the evaluation, sampling and grid layer of one thread', async () => {
    const target: Grid = { dims: [70, 60, 50], spacing: [1, 1.1, 0.9], origin: [2, -3, 1], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] };
    const n = 70 * 60 * 50;
    const template: Grid = { dims: [40, 40, 30], spacing: [1.5, 1.5, 1.7], origin: [-1, 60, 0], direction: [0, 1, 0, -1, 0, 0, 0, 0, 1] };
    const image = createVolume(
      template,
      new Float32Array(40 * 40 * 30).map((_, i) => Math.sin(i / 7) * 100),
    );
    const labels = createVolume(
      template,
      new Int32Array(40 * 40 * 30).map((_, i) => (i >> 5) % 5),
    );
    // A field on the scan grid, then an affine (the fast path), and a transform the worker cannot rebuild.
    const field = new Float32Array(3 * n).map((_, i) => Math.sin(i * 0.37) * 3);
    const affine = new AffineTransform(Float64Array.from([0.9, 0.05, 0, 30, -0.04, 0.95, 0.02, 25, 0, 0.03, 1.05, 18, 0, 0, 0, 1]));
    const fieldThenAffine = new CompositeTransform([new DisplacementFieldTransform(target, field), affine]);
    const opaque = {
      kind: 'composite' as const,
      mapPointsWorld: (p: Float64Array) => affine.mapPointsWorld(p),
      describe: () => affine.describe(),
    };
    for (const t of [fieldThenAffine, affine, opaque])
      for (const labelMode of ['label-linear', 'nearest'] as const) {
        const two = await transferParallel(t, target, { grid: template, image: image.data, labels: labels.data, labelMode });
        const e = evaluateOnGrid(t, target, { displacement: true, source: template });
        expect(Array.from(two.displacementMm)).toEqual(Array.from(e.displacementMm!));
        // The same field component by component (all x, then all y, then all z).
        const byComponent = [0, 1, 2].flatMap((c) => Array.from(e.displacementMm!.filter((_, i) => i % 3 === c)));
        expect(Array.from(two.displacementByComponent)).toEqual(byComponent);
        expect(Array.from(two.labels)).toEqual(Array.from(sampleAtCoordinates(labels, target, e.sourceIndex!, labelMode).data));
        expect(Array.from(two.warped)).toEqual(Array.from(sampleAtCoordinates(image, target, e.sourceIndex!, 'linear').data));
        expect(Array.from(two.gridLayer)).toEqual(Array.from(warpedGridPattern(template, e.sourceIndex!)));
        expect(two.labels.some((l) => l !== 0)).toBe(true);
      }
  }, 60_000);
});

describe('segmentation metrics on two threads', () => {
  it('equal those of one thread', async () => {
    const dims: [number, number, number] = [80, 70, 60];
    const grid: Grid = { dims, spacing: [1, 1.5, 2], origin: [0, 0, 0], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] };
    const ref = new Int32Array(80 * 70 * 60);
    const pred = new Int32Array(ref.length);
    let v = 0;
    for (let k = 0; k < 60; k++)
      for (let j = 0; j < 70; j++)
        for (let i = 0; i < 80; i++, v++) {
          ref[v] = 1 + Math.floor(i / 20) + 4 * Math.floor(k / 30);
          pred[v] = 1 + Math.floor((i + (j % 3)) / 20) + 4 * Math.floor((k + 1) / 30);
        }
    const one = segmentationMetrics(pred, ref, grid);
    const two = await segmentationMetricsParallel(pred, ref, grid);
    expect(two).toEqual(one);
    // Whatever share of the labels the second thread takes, with the counts and boxes of one pass.
    expect(await segmentationMetricsParallel(pred, ref, grid, 1 / 3)).toEqual(one);
    const pair = pairStatistics(pred, ref, dims)!;
    const known = { ...pair.counts, agreement: pair.agreement, boxes: pair.boxes };
    expect(await segmentationMetricsParallel(pred, ref, grid, 1 / 5, known)).toEqual(one);
    expect(one.labels).toHaveLength(8);
  });
});
