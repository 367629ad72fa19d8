import { describe, expect, it, beforeAll } from 'vitest';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SHARED } from '../helpers/synthetic.js';
import { labelwarp } from '../helpers/cli.js';
import { hippocampusFiles, segmentArgs } from '../helpers/segment-cli.js';
import { readVolume } from '../../core/volume/io.js';
import { sameGrid } from '../../core/volume/volume.js';

const HDIR = path.join(SHARED, 'hippocampus');
const H = (id: string, what: 'image' | 'labels') => path.join(HDIR, `hippocampus_${id}_${what}.nii.gz`);

let tmp: string;
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'lw-gn-cli-'));
});

describe('Gauss-Newton engine from the command line', () => {
  it('segment --engine gn writes a vector displacement field on the scan grid', async () => {
    const out = path.join(tmp, 'gn');
    const r = await labelwarp([...segmentArgs(hippocampusFiles('001', '003')), '--engine', 'gn', '--out', out, '--quiet']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect((await fs.readdir(out)).sort()).toEqual([
      'displacement.nii',
      'grid.nii.gz',
      'jacobian.nii',
      'labels.nii.gz',
      'metrics.json',
      'transform.json',
      'warped-template.nii',
    ]);
    const field = await readVolume(path.join(out, 'displacement.nii'), 'vector');
    const scan = await readVolume(H('003', 'image'));
    expect(field.components).toBe(3);
    expect(sameGrid(field, scan)).toBe(true);
    const m = JSON.parse(await fs.readFile(path.join(out, 'metrics.json'), 'utf8'));
    expect(m.engine).toBe('gn');
    expect(m.meanDice).toBeGreaterThan(0.55);
    expect(m.nonPositiveJacobianPercent).toBeLessThan(0.5);
    const t = JSON.parse(await fs.readFile(path.join(out, 'transform.json'), 'utf8'));
    expect(t.transform.kind).toBe('composite');
    expect(t.transform.transforms.map((x: { kind: string }) => x.kind)).toEqual(['displacement', 'affine']);
  });

  it('teach writes teacher fields for a folder and resumes without redoing finished scans', async () => {
    const scans = path.join(tmp, 'scans');
    await fs.mkdir(scans);
    for (const id of ['003', '004']) await fs.copyFile(H(id, 'image'), path.join(scans, `hippocampus_${id}_image.nii.gz`));
    const out = path.join(tmp, 'teacher');
    const args = [
      'teach',
      '--template-image',
      H('001', 'image'),
      '--template-labels',
      H('001', 'labels'),
      '--scans',
      scans,
      '--out',
      out,
      '--quiet',
    ];
    const first = await labelwarp(args);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/2 written, 0 already done, 0 failed/);
    const f = await readVolume(path.join(out, 'hippocampus_003', 'displacement.nii'), 'vector');
    expect(f.components).toBe(3);
    expect(await fs.readdir(path.join(out, 'hippocampus_004'))).toContain('labels.nii.gz');
    const second = await labelwarp(args);
    expect(second.stdout).toMatch(/0 written, 2 already done, 0 failed/);
  });

  it('train gn runs, logs, checkpoints and resumes', async () => {
    const scans = path.join(tmp, 'train');
    await fs.mkdir(scans);
    for (const id of ['003', '004', '006', '007']) {
      await fs.copyFile(H(id, 'image'), path.join(scans, `hippocampus_${id}_image.nii.gz`));
      await fs.copyFile(H(id, 'labels'), path.join(scans, `hippocampus_${id}_labels.nii.gz`));
    }
    const out = path.join(tmp, 'model');
    const base = [
      'train',
      'gn',
      '--template-image',
      H('001', 'image'),
      '--template-labels',
      H('001', 'labels'),
      '--scans',
      scans,
      '--scan-labels',
      scans,
      '--out',
      out,
      '--validation-fraction',
      '0.25',
      '--validate-every',
      '1',
      '--checkpoint-every',
      '1',
      '--steps',
      '2',
      '--quiet',
    ];
    const r = await labelwarp([...base, '--iterations', '1']);
    expect(r.stderr).not.toMatch(/error/);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/best validation Dice 0\.\d+ \(without the network 0\.\d+\)/);
    expect((await fs.readdir(out)).sort()).toEqual([
      'checkpoint',
      'log.csv',
      'model.json',
      'summary.json',
      'validation.csv',
      'weights.bin',
    ]);
    const model = JSON.parse(await fs.readFile(path.join(out, 'model.json'), 'utf8'));
    expect(model).toMatchObject({ format: 'labelwarp-model', version: 2, engine: 'gn', subjects: { validation: ['hippocampus_007'] } });
    expect(model.template.image.file).toBe('hippocampus_001_image.nii.gz');
    expect(model.training.backend).toMatch(/cpu|tensorflow/);
    expect(model.training.seconds).toBeGreaterThan(0);
    expect(model.validation.dice).toBeGreaterThan(0);
    expect(JSON.stringify(model)).not.toContain(tmp);
    const resumed = await labelwarp([...base, '--iterations', '2', '--resume']);
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toMatch(/resuming from iteration 1/);
    const log = (await fs.readFile(path.join(out, 'log.csv'), 'utf8')).trim().split('\n');
    expect(log.map((l) => l.split(',')[0])).toEqual(['iteration', '1', '2']);
    // The trained model plugs into segment.
    const seg = await labelwarp([
      ...segmentArgs(hippocampusFiles('001', '008', false)),
      '--engine',
      'gn',
      '--model',
      out,
      '--out',
      path.join(tmp, 'seg-learned'),
      '--quiet',
    ]);
    expect(seg.code).toBe(0);
  }, 400_000);
});
