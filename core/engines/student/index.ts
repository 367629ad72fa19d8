/**
 * The `student` engine: affine pre-alignment composed with the student network (one forward pass,
 * ONNX Runtime where it loads); with `twoStep`, compose(affine, compose(student, student)).
 * Trainable with `labelwarp train student` (train.ts).
 */
import path from 'node:path';
import { promises as fs } from 'node:fs';
import { defineEngine } from '../engine.js';
import { bundledModel } from '../../models/bundled.js';
import { compose } from '../compose.js';
import { affineStep } from '../affine/step.js';
import { affineMemory } from '../affine/memory.js';
import { templateWarning } from '../../models/model-format.js';
import { voxelCount } from '../../volume/volume.js';
import { STUDENT_OPTIONS } from './options.js';
import type { StudentOptions } from './options.js';
import type { ParamSet } from './params.js';
import { modelFileKey, runtimeChoice } from '../cnn-runtime.js';
import { studentStep } from './step.js';
import { studentTrainer } from './trainer.js';

/** A warning when the pre-alignment differs from the one the model was trained behind (when recorded). */
function preAlignmentWarning(training: Record<string, unknown>, options: StudentOptions): string | undefined {
  const { affineLevels: levels, affineIterations: iterations } = training;
  if (levels === undefined || !Array.isArray(iterations)) return undefined;
  const used = `${options.affineLevels} levels, iterations ${options.affineIterations.join(',')}`;
  const trained = `${String(levels)} levels, iterations ${iterations.join(',')}`;
  return used === trained
    ? undefined
    : `the student model was trained behind an affine pre-alignment of ${trained}, not ${used}: results may be poorer`;
}

/** The model a run loads: the one given, else the bundled hippocampus model. */
const modelFolder = (options: { model?: string }): string => options.model ?? bundledModel('student-hippocampus');

async function networkStep(options: StudentOptions, name: string) {
  const dir = modelFolder(options);
  const choice = runtimeChoice('student', options.runtime);
  // The network code (and TensorFlow.js with it) loads when a student is created, not with the registry.
  const [{ loadStudentNet, readStudentCard }, { createRuntime }] = await Promise.all([import('./model.js'), import('./runtime.js')]);
  const { card, config } = await readStudentCard(dir);
  const onnxFile = path.resolve(dir, config.onnx);
  let net: ParamSet | undefined; // tfjs weights, loaded only when tfjs runs
  const { runtime, fallback } = await createRuntime(
    choice,
    async () => new Uint8Array(await fs.readFile(onnxFile)),
    async () => (net = await loadStudentNet(dir, config)),
    config.architecture,
    config.grid,
    // The ONNX session is shared by every scan of this process that uses this file (as it is now).
    await modelFileKey(onnxFile),
  );
  const notes = [fallback, preAlignmentWarning(config.training ?? {}, options)];
  return studentStep(
    runtime,
    config.grid,
    {
      warnings: async (templateFile) =>
        [await templateWarning(card, dir, templateFile), ...notes].filter((w): w is string => w !== undefined),
      dispose: () => {
        runtime.dispose();
        net?.dispose();
      },
    },
    name,
  );
}

export const studentEngine = defineEngine({
  name: 'student',
  description: 'light-weight CNN distilled from Gauss-Newton (one forward pass, ONNX Runtime), after affine pre-alignment',
  deformable: true,
  options: STUDENT_OPTIONS,
  modelFolder,
  async create(options) {
    const affine = affineStep({ levels: options.affineLevels, iterations: options.affineIterations, role: 'pre-alignment' });
    const deformable = options.twoStep
      ? compose(await networkStep(options, 'student'), await networkStep(options, 'student2'), { name: 'student×2' })
      : await networkStep(options, 'student');
    return compose(affine, deformable, { name: 'student', split: 0.8 });
  },
  estimateMemory(grids) {
    // The affine step; then on the scan grid: the warped template, coordinates and the field in
    // mm (4 + 12 + 12 bytes per voxel); the network grid is small beside it.
    return Math.max(affineMemory(grids), 28 * voxelCount(grids.fixed));
  },
  trainer: studentTrainer,
});
