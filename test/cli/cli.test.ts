import { describe, expect, it, beforeAll } from 'vitest';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SHARED } from '../helpers/synthetic.js';
import { labelwarp } from '../helpers/cli.js';
import { hippocampusFiles, segmentArgs } from '../helpers/segment-cli.js';
import { readVolume } from '../../core/volume/io.js';
import { sameGrid } from '../../core/volume/volume.js';

const H = (id: string, what: 'image' | 'labels') => path.join(SHARED, 'hippocampus', `hippocampus_${id}_${what}.nii.gz`);

let tmp: string;
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'lw-cli-'));
});

describe('labelwarp command line', () => {
  it('--help works on every command', async () => {
    for (const cmd of [[], ['segment'], ['demo'], ['bench'], ['engines'], ['backend'], ['models'], ['train'], ['train', 'gn']]) {
      const r = await labelwarp([...cmd, '--help']);
      expect(r.code, cmd.join(' ')).toBe(0);
      expect(r.stdout).toMatch(/labelwarp/);
    }
  });

  it('segment --engine affine writes labels on the scan grid, the warped template, transforms and metrics', async () => {
    const out = path.join(tmp, 'seg');
    const r = await labelwarp([...segmentArgs(hippocampusFiles('001', '003')), '--engine', 'affine', '--out', out]);
    expect(r.stderr + r.stdout).toMatch(/mean Dice/);
    expect(r.code).toBe(0);
    expect((await fs.readdir(out)).sort()).toEqual([
      'grid.nii.gz',
      'labels.nii.gz',
      'metrics.json',
      'transform.json',
      'transform.tfm',
      'warped-template.nii',
    ]);
    const metrics = JSON.parse(await fs.readFile(path.join(out, 'metrics.json'), 'utf8'));
    expect(metrics.engine).toBe('affine');
    // affine computes on typed-array kernels: no tensor backend was needed (or loaded).
    expect(metrics.backend).toBe('none needed (typed-array kernels on the CPU)');
    expect(metrics.seconds).toBeGreaterThan(0);
    expect(metrics.labels.map((l: { label: number }) => l.label)).toEqual([1, 2]);
    expect(metrics.dice).toBeUndefined();
    expect(metrics.meanDice).toBeGreaterThan(0.3);
    expect(metrics.meanDice).toBeLessThan(1);
    expect(metrics.meanDice).toBeCloseTo((metrics.labels[0].dice + metrics.labels[1].dice) / 2, 10);
    expect(metrics.labels.every((l: { hd95: number }) => l.hd95 >= 0)).toBe(true);
    const labels = await readVolume(path.join(out, 'labels.nii.gz'), 'labels');
    const scan = await readVolume(H('003', 'image'));
    expect(sameGrid(labels, scan)).toBe(true);
    expect(await fs.readFile(path.join(out, 'transform.tfm'), 'utf8')).toMatch(/AffineTransform_double_3_3/);
  });

  it('without --scan-labels there are no Dice fields; the default engine is gn; --atlas-* are aliases of --template-*', async () => {
    const out = path.join(tmp, 'nolabels');
    const r = await labelwarp([...segmentArgs(hippocampusFiles('001', '004', false), 'atlas'), '--out', out, '--quiet']);
    expect(r.code).toBe(0);
    const metrics = JSON.parse(await fs.readFile(path.join(out, 'metrics.json'), 'utf8'));
    expect(metrics.meanDice).toBeUndefined();
    expect(metrics.labels).toBeUndefined();
    expect(metrics.engine).toBe('gn');
  });

  it('fails with exit 1 and a one-line reason, leaving earlier results intact', async () => {
    const out = path.join(tmp, 'seg');
    const before = await fs.readFile(path.join(out, 'metrics.json'), 'utf8');
    const corrupt = path.join(tmp, 'corrupt.nii.gz');
    const bytes = await fs.readFile(H('003', 'image'));
    await fs.writeFile(corrupt, bytes.subarray(0, 5000));
    // The template's labels by the alias --atlas-labels, except where a case names them itself.
    const labels = ['--atlas-labels', H('001', 'labels')];
    const cases: [string[], RegExp][] = [
      [['--scan', corrupt, ...labels], /corrupt\.nii\.gz: corrupt or truncated gzip data/],
      [['--scan', path.join(tmp, 'missing.nii.gz'), ...labels], /missing\.nii\.gz: file not found/],
      [['--scan', H('003', 'image'), '--template-labels', H('004', 'labels')], /does not match its image/],
      [['--scan', H('003', 'image'), ...labels, '--engine', 'nonsense'], /unknown engine "nonsense"/],
      [
        ['--scan', H('003', 'image'), ...labels, '--engine', 'affine', '--option', 'levels=9'],
        /engine "affine" option "levels": 9 is above the maximum 5/,
      ],
      [['--scan', H('003', 'image'), ...labels, '--option', 'levels=2'], /engine "gn" has no option "levels"; options: factors, /],
      [
        ['--scan', H('003', 'image'), ...labels, '--atlas-image', H('003', 'image')],
        /--template-image and its alias --atlas-image name different files/,
      ],
      [
        ['--scan', H('003', 'image'), ...labels, '--template-labels', H('001', 'labels'), '--template-labels', H('001', 'labels')],
        /--template-labels was given 2 times/,
      ],
    ];
    for (const [extra, pattern] of cases) {
      const base = ['segment', '--template-image', H('001', 'image'), '--out', out, '--quiet'];
      const r = await labelwarp([...base, ...extra]);
      expect(r.code).toBe(1);
      const lines = r.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(pattern);
      expect(lines[0]).not.toMatch(/^\s+at /);
    }
    expect(await fs.readFile(path.join(out, 'metrics.json'), 'utf8')).toBe(before);
    expect((await fs.readdir(out)).filter((f) => f.includes('.tmp-'))).toEqual([]);
    const missingArg = await labelwarp(['segment', '--scan', H('003', 'image')]);
    expect(missingArg.code).toBe(1);
    expect(missingArg.stderr).toMatch(/--template-image is required/);
  });

  it('demo runs offline on the bundled sample and prints a table', async () => {
    const out = path.join(tmp, 'demo');
    const t0 = Date.now();
    const r = await labelwarp(['demo', '--out', out, '--quiet']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/IXI012 → IXI014\s+affine\s+148\s+0\.\d{3}/);
    expect(r.stdout).toMatch(/IXI012 → IXI015\s+affine\s+148\s+0\.\d{3}/);
    const m = JSON.parse(await fs.readFile(path.join(out, 'IXI014', 'metrics.json'), 'utf8'));
    expect(m.meanDice).toBeGreaterThan(0.44);
    expect(Date.now() - t0).toBeLessThan(120_000); // generous here; the README states the measured time
  });
  it('a flag given twice (e.g. two --scan) is an error, not the last one silently', async () => {
    const out = path.join(tmp, 'twice');
    const files = hippocampusFiles('001', '003', false);
    const r = await labelwarp([...segmentArgs(files, 'atlas'), '--scan', H('004', 'image'), '--engine', 'affine', '--out', out]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe('labelwarp segment: error: --scan was given 2 times but takes one value');
    await expect(fs.stat(out)).rejects.toThrow();
    const help = await labelwarp(['segment', '--help']);
    expect(help.stdout).toMatch(/cohort run --scans DIR/);
  });
});
