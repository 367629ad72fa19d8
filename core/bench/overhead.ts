/**
 * `labelwarp bench overhead`: what a run costs beyond its registration. Runs a real
 * `labelwarp segment --engine gn` process on the 1 mm 256×256×160 pair and prints the seconds of
 * each stage (as the process recorded them in metrics.json) beside the process's wall-clock time.
 * Then, where elastix is installed, the ITK-convention check of the result (itk-convention.ts).
 */
import path from 'node:path';
import os from 'node:os';
import { promises as fs } from 'node:fs';
import { spawn } from 'node:child_process';
import { writeVolume, compactLabels } from '../volume/io.js';
import { createVolume, gridOf } from '../volume/volume.js';
import { ROOT } from '../cli/sample-data.js';
import { LabelWarpError } from '../util/errors.js';
import { readResultMetrics } from '../results/result-folder.js';
import type { SegmentMetrics } from '../pipeline/segment.js';
import { brainPair1mm, PAIR_DIMS } from './brain-pair-1mm.js';
import { fmt, machineLine, report } from './report.js';
import { elastixAvailable } from './elastix.js';
import { transformixDice } from './itk-convention.js';

/** Runs the command line as a user would; resolves with the wall-clock seconds until it exits. */
function timedProcess(args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'labelwarp.mjs'), ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
    child.on('error', reject);
    child.on('exit', (code) => {
      const seconds = (performance.now() - started) / 1000;
      if (code === 0) resolve(seconds);
      else reject(new LabelWarpError(`labelwarp ${args[0]} exited with code ${code}`));
    });
  });
}

/** Builds dist/cli/ (scripts/build-cli.mjs), as `npm run build` does. */
function buildCliBundle(): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'scripts', 'build-cli.mjs')], { stdio: ['ignore', 'ignore', 'inherit'] });
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new LabelWarpError(`building the command-line bundle failed (exit code ${code})`)),
    );
  });
}

export async function overheadBench(values: Record<string, unknown>): Promise<number> {
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'labelwarp-overhead-'));
  try {
    const pair = await brainPair1mm(values.data as string | undefined);
    const files = {
      templateImage: path.join(tmp, 'template_t1.nii.gz'),
      templateLabels: path.join(tmp, 'template_labels.nii.gz'),
      scan: path.join(tmp, 'scan_t1.nii.gz'),
      scanLabels: path.join(tmp, 'scan_labels.nii.gz'),
    };
    await writeVolume(files.templateImage, pair.templateImage);
    await writeVolume(files.templateLabels, createVolume(gridOf(pair.templateLabels), compactLabels(pair.templateLabels.data)));
    await writeVolume(files.scan, pair.scan);
    await writeVolume(files.scanLabels, createVolume(gridOf(pair.scanLabels), compactLabels(pair.scanLabels.data)));
    // The command as installed: bin/labelwarp.mjs runs the esbuild bundle only while it is newer
    // than the sources (else the sources through tsx, which start several times slower).
    await buildCliBundle();
    const helpSeconds = await timedProcess(['--help']);
    const out = path.join(tmp, 'result');
    // Flags spelled out so that the run does not depend on the command's defaults.
    const wall = await timedProcess([
      'segment',
      '--template-image',
      files.templateImage,
      '--template-labels',
      files.templateLabels,
      '--scan',
      files.scan,
      '--scan-labels',
      files.scanLabels,
      '--engine',
      'gn',
      '--out',
      out,
      '--quiet',
    ]);
    const m = await readResultMetrics<SegmentMetrics>(out);
    const s = m.stages;
    const measured = (s.start ?? 0) + (s.read ?? 0) + s.registration + s.labels + s.metrics;
    const rows: (string | number)[][] = [
      ['process start (until the command runs)', fmt(s.start, 2)],
      ['read the four inputs', fmt(s.read, 2)],
      ['registration', fmt(s.registration, 2)],
      ['label transfer (transform evaluated once, labels, image, grid layer)', fmt(s.labels, 2)],
      ['metrics (Dice, HD95, Jacobian)', fmt(s.metrics, 2)],
      ['write the result folder and exit (the rest of the wall clock)', fmt(wall - measured, 2)],
      ['whole `labelwarp segment` process, wall clock', fmt(wall, 2)],
    ];
    const ratio = wall / s.registration;
    // After the timed process: transformix applies our displacement field to the template labels.
    const elastix = elastixAvailable();
    const itk = elastix
      ? `transformix (elastix ${elastix}) applying displacement.nii to the template labels reproduces labels.nii.gz with mean Dice ${fmt(await transformixDice(out, files.templateLabels))} (target ≥ 0.95)`
      : 'ITK-convention check skipped: elastix/transformix not installed';
    await report(
      'overhead',
      `Benchmark overhead: labelwarp segment --engine gn, aligned brain pair resampled to ${PAIR_DIMS.join('×')} at 1 mm, ${new Date().toISOString().slice(0, 10)}, ${machineLine(m.backend)}`,
      ['stage', 'seconds'],
      rows,
      [
        `wall clock / registration: ${fmt(ratio, 2)} (target ≤ 1.25); labelwarp --help alone: ${fmt(helpSeconds, 2)} s; mean Dice ${fmt(m.meanDice)}`,
        itk,
      ],
      values.markdown as string | undefined,
    );
    return 0;
  } finally {
    await fs.rm(tmp, { recursive: true, force: true });
  }
}
