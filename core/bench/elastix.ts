/**
 * Debian's elastix as the reference peer in benchmarks: register, warp the template labels with
 * nearest-neighbour interpolation through transformix, and score them with our own metrics.
 */
import { spawn, spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { readVolume } from '../volume/io.js';
import { segmentationMetrics } from '../metrics/overlap.js';
import type { Volume } from '../volume/volume.js';
import { deformationMetrics } from '../metrics/deformation.js';
import type { DeformationMetrics } from '../metrics/deformation.js';

export function elastixAvailable(): string | undefined {
  const r = spawnSync('elastix', ['--version'], { encoding: 'utf8' });
  if (r.status !== 0 && !r.stdout) return undefined;
  return (r.stdout || '')
    .trim()
    .split('\n')
    .pop()
    ?.replace(/^elastix version: /, '');
}

/** Installs elastix with apt-get when missing (benchmarks only); says so on stderr. */
export function ensureElastix(): string | undefined {
  const v = elastixAvailable();
  if (v) return v;
  process.stderr.write('elastix not found: installing Debian package elastix with apt-get …\n');
  spawnSync('apt-get', ['install', '-y', '-qq', 'elastix'], { stdio: 'inherit' });
  return elastixAvailable();
}

/** Runs an elastix tool; rejects with the end of its error output when it fails. */
export function runTool(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d) => (err += d));
    p.on('error', reject);
    p.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} exited with ${code}: ${err.slice(-500)}`))));
  });
}

export interface ElastixRun {
  meanDice: number;
  meanHd95: number | null;
  seconds: number;
  /** The elastix call and the transformix call that carries the labels (what a user of elastix waits for). */
  wholeSeconds: number;
  /** Folding and smoothness of elastix's deformation field (from transformix -def all). */
  deformation?: DeformationMetrics;
}

/** parameterFiles: applied in sequence (e.g. affine then B-spline). */
export async function runElastix(
  scan: string,
  templateImage: string,
  templateLabels: string,
  scanLabels: Volume,
  parameterFiles: string[],
  withDeformation = false,
  threads = os.cpus().length,
): Promise<ElastixRun> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'labelwarp-elastix-'));
  try {
    const t0 = performance.now();
    await runTool('elastix', [
      '-f',
      scan,
      '-m',
      templateImage,
      '-out',
      dir,
      '-threads',
      String(threads),
      ...parameterFiles.flatMap((p) => ['-p', p]),
    ]);
    const seconds = (performance.now() - t0) / 1000;
    const last = path.join(dir, `TransformParameters.${parameterFiles.length - 1}.txt`);
    // Labels: nearest neighbour, integer output.
    for (let i = 0; i < parameterFiles.length; i++) {
      const f = path.join(dir, `TransformParameters.${i}.txt`);
      const text = (await fs.readFile(f, 'utf8'))
        .replace(/\(FinalBSplineInterpolationOrder \d+\)/, '(FinalBSplineInterpolationOrder 0)')
        .replace(/\(ResultImagePixelType "[^"]*"\)/, '(ResultImagePixelType "int")')
        .replace(/\(ResultImageFormat "[^"]*"\)/, '(ResultImageFormat "nii.gz")');
      await fs.writeFile(f, text);
    }
    const tdir = path.join(dir, 'labels');
    await fs.mkdir(tdir);
    await runTool('transformix', ['-in', templateLabels, '-out', tdir, '-tp', last, '-threads', String(threads)]);
    const wholeSeconds = (performance.now() - t0) / 1000;
    const warped = await readVolume(path.join(tdir, 'result.nii.gz'), 'labels');
    const m = segmentationMetrics(warped.data, scanLabels.data, scanLabels);
    let deformation: DeformationMetrics | undefined;
    if (withDeformation) {
      const ddir = path.join(dir, 'field');
      await fs.mkdir(ddir);
      await runTool('transformix', ['-def', 'all', '-out', ddir, '-tp', last, '-threads', String(threads)]);
      const field = await readVolume(path.join(ddir, 'deformationField.nii.gz'), 'vector');
      deformation = deformationMetrics(field, field.data instanceof Float32Array ? field.data : Float32Array.from(field.data));
    }
    return { meanDice: m.meanDice, meanHd95: m.meanHd95, seconds, wholeSeconds, deformation };
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}
