/**
 * `labelwarp bench student`: on hippocampus scans held out from the student's training and model
 * selection, the student (plain, two-step, cycle-trained), its teacher gn, affine and elastix,
 * and the ablation trained without the discriminator (γ = 1): Dice, HD95, % det J ≤ 0 and
 * registration seconds; then the forward pass on onnxruntime against tfjs at the model's grid
 * and on a 160×192×224 brain grid.
 */
import path from 'node:path';
import { promises as fs } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { readVolume } from '../volume/io.js';
import { segmentScan } from '../pipeline/segment.js';
import { initTensorBackend } from '../tensor/backend.js';
import { LabelWarpError } from '../util/errors.js';
import { RESOURCES, sharedDataDir } from '../cli/sample-data.js';
import { readModelCard } from '../models/model-format.js';
import { fmt, mean, machineLine, report } from './report.js';
import { ensureElastix, runElastix } from './elastix.js';
import { BUNDLED_STUDENT } from '../engines/student/index.js';
import { STUDENT_ARCHITECTURE, studentLayers } from '../engines/student/network.js';
import { ParamSet } from '../engines/student/params.js';
import { studentOnnx } from '../engines/student/onnx-export.js';
import { onnxRuntime, tfjsRuntime } from '../engines/student/runtime.js';
import type { StudentRuntime } from '../engines/student/runtime.js';
import type { Vec3 } from '../volume/volume.js';

interface Row {
  label: string;
  engine?: string;
  options?: Record<string, unknown>;
  elastix?: boolean;
}

async function timeForward(runtime: StudentRuntime, grid: Vec3, repeats: number, warmUp = true): Promise<number> {
  const input = new Float32Array(2 * grid[0] * grid[1] * grid[2]).map((_, i) => Math.sin(i * 0.001));
  if (warmUp) await runtime.run(input); // session/kernels
  const t0 = performance.now();
  for (let i = 0; i < repeats; i++) await runtime.run(input);
  return (performance.now() - t0) / 1000 / repeats;
}

/** The forward pass on onnxruntime against tfjs (random weights), at the model's grid and a brain-sized one. */
async function inferenceBench(modelGrid: Vec3, values: Record<string, unknown>, backend: string): Promise<void> {
  // Forward pass: onnxruntime against tfjs, at the model's grid and on a brain-sized grid.
  const timing: (string | number)[][] = [];
  const grids: Vec3[] = [modelGrid, [160, 192, 224]];
  const params = new ParamSet(studentLayers(STUDENT_ARCHITECTURE), undefined, 1, 0.05);
  for (const grid of grids) {
    const ort = await onnxRuntime(studentOnnx(params, STUDENT_ARCHITECTURE, grid), grid);
    const ortSeconds = await timeForward(ort, grid, grid[0] * grid[1] * grid[2] < 1e6 ? 20 : 1);
    ort.dispose();
    const voxels = grid[0] * grid[1] * grid[2];
    let tfSeconds: number | undefined;
    if (voxels < 1e6 || values['tfjs-large']) {
      const ref = await tfjsRuntime(params, STUDENT_ARCHITECTURE, grid);
      tfSeconds = await timeForward(ref, grid, voxels < 1e6 ? 5 : 1, voxels < 1e6);
    }
    timing.push([
      grid.join('×'),
      fmt(ortSeconds, 4),
      tfSeconds === undefined ? 'not run (--tfjs-large)' : fmt(tfSeconds, 3),
      tfSeconds === undefined ? 'n/a' : `${fmt(tfSeconds / ortSeconds, 1)}×`,
    ]);
  }
  params.dispose();
  tf.disposeVariables();
  await report(
    'student-inference',
    'Student forward pass (one scan, input already on the network grid)',
    ['grid', 'onnxruntime s', 'tfjs s', 'speed-up'],
    timing,
    [`tfjs backend: ${backend}`],
    values.markdown as string | undefined,
  );
}

export async function studentBench(values: Record<string, unknown>): Promise<number> {
  const modelDir = (values.model as string | undefined) ?? BUNDLED_STUDENT;
  const dir = path.join((values.data as string | undefined) ?? sharedDataDir(), 'hippocampus');
  const card = await readModelCard(modelDir, 'student');
  if (values['inference-only']) {
    await inferenceBench(card.config.grid as Vec3, values, (await initTensorBackend()).description);
    return 0;
  }
  const summary = JSON.parse(await fs.readFile(path.join(modelDir, 'summary.json'), 'utf8').catch(() => '{}')) as {
    validationSubjects?: string[];
  };
  const recorded = card.validation.scoredSubjects;
  const scored = new Set(summary.validationSubjects ?? (Array.isArray(recorded) ? (recorded as string[]) : []));
  let test = card.subjects.validation.filter((s) => !scored.has(s) && !card.subjects.training.includes(s));
  if (test.length === 0) throw new LabelWarpError('the model records no held-out subjects outside model selection', modelDir);
  if (values.pairs) test = test.slice(0, Number(values.pairs));
  const backend = await initTensorBackend();
  const templateImageFile = path.join(dir, card.template.image.file);
  const templateLabelsFile = path.join(dir, card.template.labels?.file ?? card.template.image.file.replace('_image', '_labels'));
  const templateImage = await readVolume(templateImageFile, 'image');
  const templateLabels = await readVolume(templateLabelsFile, 'labels');
  const gnModel = path.join(RESOURCES, 'models', 'gn-hippocampus');
  const rows: Row[] = [
    { label: 'student', engine: 'student', options: { model: modelDir } },
    { label: 'student two-step', engine: 'student', options: { model: modelDir, twoStep: true } },
  ];
  if (values['cycle-model']) rows.push({ label: 'student cycle', engine: 'student', options: { model: values['cycle-model'] } });
  if (values['ic-model']) rows.push({ label: 'student inverse-consistency', engine: 'student', options: { model: values['ic-model'] } });
  if (values['ablation-model'])
    rows.push({ label: 'student γ = 1 (no discriminator)', engine: 'student', options: { model: values['ablation-model'] } });
  rows.push({ label: 'gn (teacher, learned features)', engine: 'gn', options: { model: gnModel } });
  rows.push({ label: 'affine', engine: 'affine', options: {} });
  const elastixVersion = values['no-elastix'] ? undefined : ensureElastix();
  // elastix takes minutes a scan here: --elastix-pairs N runs it on the first N scans only.
  const elastixScans = Math.min(test.length, values['elastix-pairs'] ? Number(values['elastix-pairs']) : test.length);
  if (elastixVersion)
    rows.push({
      label: `elastix ${elastixVersion} (affine + B-spline)${elastixScans < test.length ? ` [first ${elastixScans} scans]` : ''}`,
      elastix: true,
    });
  const results = rows.map(() => ({ dice: [] as number[], hd: [] as number[], fold: [] as number[], s: [] as number[], runtime: '' }));
  for (const [n, id] of test.entries()) {
    const scanFile = path.join(dir, `${id}_image.nii.gz`);
    const scan = await readVolume(scanFile, 'image');
    const scanLabels = await readVolume(path.join(dir, `${id}_labels.nii.gz`), 'labels');
    for (const [i, row] of rows.entries()) {
      const r = results[i];
      if (row.elastix) {
        if (n >= elastixScans) continue;
        const e = await runElastix(
          scanFile,
          templateImageFile,
          templateLabelsFile,
          scanLabels,
          ['affine.txt', 'bspline.txt'].map((f) => path.join(RESOURCES, 'elastix', f)),
          true,
        );
        r.dice.push(e.meanDice);
        if (e.meanHd95 !== null) r.hd.push(e.meanHd95);
        r.fold.push(e.deformation?.nonPositiveJacobianPercent ?? 0);
        r.s.push(e.seconds);
        continue;
      }
      const m = (
        await segmentScan(
          { templateImage, templateLabels, scan, scanLabels, names: { templateImage: templateImageFile } },
          { engine: row.engine!, engineOptions: row.options },
        )
      ).metrics;
      r.dice.push(m.meanDice!);
      if (m.meanHd95 !== null && m.meanHd95 !== undefined) r.hd.push(m.meanHd95);
      r.fold.push(m.nonPositiveJacobianPercent);
      r.s.push(m.registrationSeconds);
      const rt = m.details?.['student.runtime'];
      if (rt !== undefined) r.runtime = `${rt}/${m.details?.['student.device']}`;
    }
    process.stderr.write(
      `${id}: ${rows.map((row, i) => `${row.label} ${fmt(results[i].dice[n])} ${fmt(results[i].s[n], 2)} s`).join(', ')}\n`,
    );
  }
  const table = rows.map((row, i) => {
    const r = results[i];
    return [
      row.label + (r.runtime ? ` [${r.runtime}]` : ''),
      fmt(mean(r.dice)),
      fmt(mean(r.hd), 2),
      fmt(mean(r.fold), 3),
      fmt(mean(r.s), 2),
    ];
  });
  const gnIndex = rows.findIndex((r) => r.engine === 'gn');
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const diffs = results[0].dice.map((d, k) => d - results[gnIndex].dice[k]);
  const sd = Math.sqrt(diffs.reduce((a, d) => a + (d - mean(diffs)) ** 2, 0) / Math.max(1, diffs.length - 1));
  const notes = [
    `student − gn mean Dice ${fmt(mean(diffs))} (95 % interval ±${fmt((1.96 * sd) / Math.sqrt(diffs.length))}, ${diffs.length} paired scans); gn / student registration time: mean ${fmt(mean(results[gnIndex].s) / mean(results[0].s), 1)}×, median ${fmt(median(results[gnIndex].s) / median(results[0].s), 1)}×`,
    'seconds: registration per scan, measured alike for every engine (engine creation, affine pre-alignment and registration; reading and label transfer excluded; the student’s ONNX session is created on the first scan and reused); elastix: the elastix call.',
  ];
  const elastixIndex = rows.findIndex((r) => r.elastix);
  if (elastixIndex >= 0 && results[elastixIndex].dice.length < test.length) {
    const k = results[elastixIndex].dice.length;
    notes.push(
      `on elastix's ${k} scans: student ${fmt(mean(results[0].dice.slice(0, k)))}, gn ${fmt(mean(results[gnIndex].dice.slice(0, k)))}, elastix ${fmt(mean(results[elastixIndex].dice))} mean Dice`,
    );
  }

  await report(
    'student',
    `Benchmark student: template ${card.template.image.file.replace('_image.nii.gz', '')} → ${test.length} hippocampus scans held out from training and model selection, model ${path.relative(process.cwd(), modelDir) || modelDir}, ${new Date().toISOString().slice(0, 10)}, ${machineLine(backend.description)}`,
    ['engine', 'Dice', 'HD95 mm', '%detJ≤0', 'reg s'],
    table,
    notes,
    values.markdown as string | undefined,
  );
  await inferenceBench(card.config.grid as Vec3, values, backend.description);
  return 0;
}
