/**
 * `labelwarp bench student`: on hippocampus scans held out from the student's training and model
 * selection, the student (plain, two-step, cycle-trained), its teacher gn, affine and elastix,
 * and the ablation trained without the discriminator (γ = 1): Dice, HD95, % det J ≤ 0 and
 * registration seconds; then the forward pass on onnxruntime against tfjs at the model's grid
 * and on a 160×192×224 brain grid.
 */
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { bundledModel } from '../models/bundled.js';
import { initTensorBackend } from '../tensor/backend.js';
import { RESOURCES } from '../cli/sample-data.js';
import { readModelCard } from '../models/model-format.js';
import { fmt, mean, report } from './report.js';
import { elastixRow, evaluateRows, heldOutSet, heldOutTitle, SCORE_HEADER, scoreTable } from './held-out.js';
import type { EngineRow } from './held-out.js';
import { STUDENT_ARCHITECTURE, studentLayers } from '../engines/student/network.js';
import { ParamSet } from '../engines/student/params.js';
import { studentOnnx } from '../engines/student/onnx-export.js';
import { onnxRuntime, tfjsRuntime } from '../engines/student/runtime.js';
import type { StudentRuntime } from '../engines/student/runtime.js';
import type { Vec3 } from '../volume/volume.js';

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
  const modelDir = (values.model as string | undefined) ?? bundledModel('student-hippocampus');
  if (values['inference-only']) {
    const card = await readModelCard(modelDir, 'student');
    await inferenceBench(card.config.grid as Vec3, values, (await initTensorBackend()).description);
    return 0;
  }
  const set = await heldOutSet('student', modelDir, values);
  const backend = await initTensorBackend();
  const gnModel = path.join(RESOURCES, 'models', 'gn-hippocampus');
  const rows: EngineRow[] = [
    { label: 'student', engine: 'student', options: { model: modelDir } },
    { label: 'student two-step', engine: 'student', options: { model: modelDir, twoStep: true } },
  ];
  if (values['cycle-model']) rows.push({ label: 'student cycle', engine: 'student', options: { model: values['cycle-model'] } });
  if (values['ic-model']) rows.push({ label: 'student inverse-consistency', engine: 'student', options: { model: values['ic-model'] } });
  if (values['ablation-model'])
    rows.push({ label: 'student γ = 1 (no discriminator)', engine: 'student', options: { model: values['ablation-model'] } });
  rows.push({ label: 'gn (teacher, learned features)', engine: 'gn', options: { model: gnModel } });
  rows.push({ label: 'affine', engine: 'affine', options: {} });
  const test = set.scans;
  // elastix takes minutes a scan here: --elastix-pairs N runs it on the first N scans only.
  const elastixScans = Math.min(test.length, values['elastix-pairs'] ? Number(values['elastix-pairs']) : test.length);
  const elastix = elastixRow(values, { of: test.length, run: elastixScans });
  if (elastix) rows.push(elastix);
  const results = await evaluateRows(set, rows, { elastixScans });
  const table = scoreTable(rows, results);
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
    heldOutTitle('student', set, backend.description),
    SCORE_HEADER,
    table,
    notes,
    values.markdown as string | undefined,
  );
  await inferenceBench(set.card.config.grid as Vec3, values, backend.description);
  return 0;
}
