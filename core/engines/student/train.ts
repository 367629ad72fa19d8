/**
 * `labelwarp train student`: adversarial distillation of the student from the Gauss-Newton
 * teacher (LDR-ALDK), with the two-step, inverse-consistency and LT-Net cycle options.
 *
 * Subjects: the labelled scans sorted by name; the last --validation-fraction are held out (the
 * same rule as `train gn`, so the same split), of which the first --max-validation choose the
 * best model; the first --max-training of the rest are trained on. The teacher's fields are
 * exported with the teach code into --teacher-dir (default MODEL_DIR/teacher), reused when there.
 * Writes log.csv (every iteration), validation.csv, checkpoint/ (for --resume; Adam's moments
 * restart) and the best model (model.json, weights.bin, student.onnx).
 */
import path from 'node:path';
import { promises as fs } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { tidyValues } from '../../tensor/values.js';
import { gnTeacher, splitSubjects } from '../teacher-training-options.js';
import type { TrainInputs } from '../engine.js';
import type { StudentTrainOptions } from './trainer.js';
import { listScans } from '../../learned/dataset.js';
import { exportTeacherFields } from '../../learned/teacher-fields.js';
import { LabelWarpError, throwIfAborted } from '../../util/errors.js';
import { writeTextAtomically } from '../../util/atomic.js';
import type { Vec3 } from '../../volume/volume.js';
import {
  STUDENT_ARCHITECTURE,
  checkStudentGrid,
  discriminatorLayers,
  fullSizeLayers,
  parameterCount,
  studentForward,
  studentLayers,
} from './network.js';
import { ParamSet } from './params.js';
import { oneHot, preparePair, readTemplate, warpedDice } from './pairs.js';
import type { StudentPair } from './pairs.js';
import { trainingStep } from './training-step.js';
import type { LossWeights, Nets } from './training-step.js';
import { saveStudentModel } from './model.js';
import { mulberry32 } from '../../util/random.js';
import { affineStep } from '../affine/step.js';
import { VariableAdam } from '../../tensor/variable-adam.js';
import { cosineLearningRate } from '../../tensor/learning-rate.js';
import { augmentPair, randomGridAffine } from '../../learned/augment.js';

function predict(net: ParamSet, pair: StudentPair): Float32Array {
  const [nx, ny, nz] = pair.grid.dims;
  return tidyValues(() => {
    const x = tf.concat([tf.tensor5d(pair.template, [1, nz, ny, nx, 1]), tf.tensor5d(pair.scan, [1, nz, ny, nx, 1])], 4) as tf.Tensor5D;
    return studentForward(x, net.get, STUDENT_ARCHITECTURE);
  });
}

export function validationDice(net: ParamSet, pairs: StudentPair[], classes: number[]): number {
  return pairs.reduce((s, p) => s + warpedDice(p, predict(net, p), classes), 0) / pairs.length;
}

interface CheckpointState {
  iteration: number;
  bestDice: number;
  bestIteration: number;
  seconds: number;
}

export async function trainStudent(inputs: TrainInputs, o: StudentTrainOptions): Promise<{ modelDir: string; summary: string }> {
  const out = inputs.outDir;
  const dims = o.grid as Vec3;
  if (dims.length !== 3) throw new LabelWarpError('--grid needs three sizes x,y,z');
  checkStudentGrid(dims);
  if (o.augment > 0 && o.labelWeight > 0)
    throw new LabelWarpError('--augment needs --label-weight 0 (the augmentation does not move the label maps)');
  await fs.mkdir(out, { recursive: true });
  const template = await readTemplate(inputs.templateImage, inputs.templateLabels);
  if (template.classes.length === 0) throw new LabelWarpError('the template label map holds no labels', inputs.templateLabels);
  const scans = await listScans(inputs.scansDir, inputs.scanLabelsDir ?? inputs.scansDir, [inputs.templateImage]);
  const labelled = scans.filter((s) => s.labels);
  if (labelled.length < 2) throw new LabelWarpError('fewer than two scans have a matching label map', inputs.scansDir);
  const { training: trainScans, held, validation: valScans } = splitSubjects(labelled, o);
  if (trainScans.length === 0) throw new LabelWarpError('not enough scans to train on after holding some out for validation');

  // Teacher: run where missing, reuse what is there.
  const teacherDir = o.teacherDir ?? inputs.teacherDir ?? path.join(out, 'teacher');
  const teacherStart = performance.now();
  const counts = await exportTeacherFields({
    templateImage: inputs.templateImage,
    templateLabels: inputs.templateLabels,
    scans: [...trainScans, ...valScans],
    out: teacherDir,
    engine: gnTeacher(o).engine,
    engineOptions: gnTeacher(o).options,
    progress: (label) => ({ onProgress: inputs.onProgress, done: () => inputs.log(`teacher ${label} done`) }),
    log: inputs.log,
  });
  inputs.log(
    `teacher fields: ${counts.done} computed, ${counts.skipped} reused, ${counts.failed} failed (${((performance.now() - teacherStart) / 1000).toFixed(0)} s)`,
  );
  if (counts.failed > 0) throw new LabelWarpError(`${counts.failed} teacher registrations failed`, teacherDir);

  const preAlign = affineStep({ levels: o.affineLevels, iterations: o.affineIterations, role: 'pre-alignment' });
  const pairsStart = performance.now();
  const pairs: StudentPair[] = [];
  for (const s of [...trainScans, ...valScans]) {
    const t0 = performance.now();
    pairs.push(await preparePair(template, s, teacherDir, dims, preAlign));
    inputs.onPrepared?.({ done: pairs.length, total: trainScans.length + valScans.length, seconds: (performance.now() - t0) / 1000 });
  }
  const train = pairs.slice(0, trainScans.length);
  const val = pairs.slice(trainScans.length);
  inputs.log(
    `pairs pre-aligned (affine, ${o.affineLevels} levels, iterations ${o.affineIterations.join(',')}): ${((performance.now() - pairsStart) / 1000).toFixed(0)} s`,
  );
  const classes = template.classes;
  const teacherValDice = val.reduce((s, p) => s + warpedDice(p, p.teacher, classes), 0) / val.length;
  const studentLayerList = studentLayers(STUDENT_ARCHITECTURE);
  inputs.log(
    `student: ${parameterCount(studentLayerList).toLocaleString('en')} parameters (full-size VoxelMorph-like encoder-decoder: ${parameterCount(fullSizeLayers()).toLocaleString('en')}); discriminator ${parameterCount(discriminatorLayers()).toLocaleString('en')}`,
  );
  inputs.log(
    `${train.length} training and ${val.length} validation subjects; teacher validation Dice on the network grid ${teacherValDice.toFixed(4)}`,
  );

  // Networks, from the checkpoint when resuming.
  const ckpt = path.join(out, 'checkpoint');
  let state: CheckpointState = { iteration: 0, bestDice: -1, bestIteration: 0, seconds: 0 };
  const load = async (file: string, layers: ReturnType<typeof studentLayers>, seed: number, scale?: number) => {
    if (inputs.resume) {
      const manifest = JSON.parse(await fs.readFile(path.join(ckpt, `${file}.json`), 'utf8').catch(() => 'null')) as
        Parameters<typeof ParamSet.load>[2] | null;
      if (manifest) return ParamSet.load(ckpt, layers, manifest);
    }
    return new ParamSet(layers, undefined, seed, scale);
  };
  if (inputs.resume) {
    const s = JSON.parse(await fs.readFile(path.join(ckpt, 'state.json'), 'utf8').catch(() => 'null')) as CheckpointState | null;
    if (s) state = s;
    inputs.log(s ? `resuming at iteration ${s.iteration}` : 'no checkpoint: starting from scratch');
  }
  const optStudent = new VariableAdam(o.learningRate);
  const nets: Nets = {
    arch: STUDENT_ARCHITECTURE,
    student: await load('student', studentLayerList, o.seed),
    critic: await load('critic', discriminatorLayers(), o.seed + 1, 0.1),
    backward: o.cycle ? await load('backward', studentLayerList, o.seed + 2) : undefined,
    optStudent,
    optCritic: new VariableAdam(o.criticLearningRate),
  };
  const weights: LossWeights = {
    gamma: o.gamma,
    gpLambda: o.gpLambda,
    beta: o.beta,
    teacher: o.teacherWeight,
    folding: o.foldingWeight,
    foldingTau: o.foldingTau,
    smoothness: o.smoothWeight,
    inverseConsistency: o.icWeight,
    cycleImage: o.cycleLambda1,
    cycleOther: o.cycleLambda2,
    labels: o.labelWeight,
  };
  const settings = { ...o, teacherDir: undefined, teacherModel: o.teacherModel ? path.basename(o.teacherModel) : undefined };
  const hot = train.map((p) => oneHot(p.templateLabels, classes));
  const scanHot = o.labelWeight > 0 ? train.map((p) => (p.scanLabels ? oneHot(p.scanLabels, classes) : undefined)) : [];
  const log = path.join(out, 'log.csv');
  const columns = [
    'loss',
    'rec',
    'dis',
    'gp',
    'teacher',
    'fold',
    'smooth',
    'ic',
    'rec_back',
    'cyc_image',
    'cyc_trans',
    'cyc_anatomy',
    'labels',
    'critic',
  ];
  if (state.iteration === 0) {
    await fs.writeFile(log, `iteration,subject,${columns.join(',')},lr,seconds\n`);
    await fs.writeFile(path.join(out, 'validation.csv'), 'iteration,dice\n');
  }
  const rand = mulberry32(o.seed + state.iteration);
  const started = performance.now() - state.seconds * 1000;
  const elapsed = () => (performance.now() - started) / 1000;

  const saveBest = async (dice: number, iteration: number) =>
    saveStudentModel(out, nets.student, {
      grid: dims,
      templateImage: inputs.templateImage,
      templateLabels: inputs.templateLabels,
      subjects: { training: train.map((p) => p.id), validation: held.map((s) => s.id) },
      settings,
      seconds: Math.round(elapsed()),
      validation: { dice, teacherDice: teacherValDice, scoredSubjects: val.map((p) => p.id), grid: 'network grid' },
      extra: { iteration, twoStep: o.twoStep, note: 'validation Dice on the network grid (nearest labels), for model selection' },
    });

  try {
    for (let it = state.iteration; it < o.iterations; it++) {
      throwIfAborted(inputs.signal);
      await inputs.atStepBoundary?.();
      throwIfAborted(inputs.signal);
      const k = Math.floor(rand() * train.length);
      const p = train[k];
      const t0 = performance.now();
      optStudent.learningRate = cosineLearningRate(o.learningRate, o.finalLearningRate, it, o.iterations);
      // The scan and its teacher field seen through a random affine (the template stays as it is).
      const seen = o.augment > 0 ? augmentPair(p.scan, p.teacher, dims, randomGridAffine(rand, dims, o.augment)) : p;
      const terms = trainingStep(
        nets,
        {
          dims,
          template: p.template,
          scan: seen.scan,
          teacher: seen.teacher,
          templateOneHot: hot[k],
          scanOneHot: scanHot[k],
          classes: classes.length,
        },
        weights,
        (it + 1) % o.criticEvery === 0,
        { ic: o.inverseConsistency, cycle: o.cycle },
      );
      const s = (performance.now() - t0) / 1000;
      await fs.appendFile(
        log,
        // The step is logged beside the terms, not among them (the app plots the terms as loss curves).
        `${it + 1},${p.id},${columns.map((c) => (terms[c] === undefined ? '' : terms[c].toFixed(6))).join(',')},${optStudent.learningRate.toFixed(6)},${s.toFixed(3)}\n`,
      );
      inputs.onStep?.({ iteration: it + 1, iterations: o.iterations, terms, seconds: s });
      inputs.onProgress?.({
        stage: 'training',
        fraction: (it + 1) / o.iterations,
        message: `iteration ${it + 1}/${o.iterations} loss ${terms.loss.toFixed(4)}`,
      });
      const last = it + 1 === o.iterations;
      if ((it + 1) % o.validateEvery === 0 || last) {
        const v0 = performance.now();
        const dice = validationDice(nets.student, val, classes);
        inputs.onValidation?.({ iteration: it + 1, dice, seconds: (performance.now() - v0) / 1000, subjects: val.length });
        await fs.appendFile(path.join(out, 'validation.csv'), `${it + 1},${dice.toFixed(6)}\n`);
        inputs.log(
          `iteration ${it + 1}: loss ${terms.loss.toFixed(4)}, validation Dice ${dice.toFixed(4)} (teacher ${teacherValDice.toFixed(4)}), ${elapsed().toFixed(0)} s`,
        );
        if (dice > state.bestDice) {
          state = { ...state, bestDice: dice, bestIteration: it + 1 };
          await saveBest(dice, it + 1);
        }
      }
      if ((it + 1) % o.checkpointEvery === 0 || last) {
        const c0 = performance.now();
        state = { ...state, iteration: it + 1, seconds: elapsed() };
        for (const [file, net] of [
          ['student', nets.student],
          ['critic', nets.critic],
          ['backward', nets.backward],
        ] as const) {
          if (!net) continue;
          const manifest = await net.save(ckpt, `${file}.bin`);
          await writeTextAtomically(path.join(ckpt, `${file}.json`), JSON.stringify(manifest) + '\n');
        }
        await writeTextAtomically(path.join(ckpt, 'state.json'), JSON.stringify(state, null, 2) + '\n');
        inputs.onCheckpoint?.({ iteration: it + 1, seconds: (performance.now() - c0) / 1000 });
      }
    }
  } finally {
    nets.student.dispose();
    nets.critic.dispose();
    nets.backward?.dispose();
    nets.optStudent.dispose();
    nets.optCritic.dispose();
  }
  const summary = {
    bestValidationDice: state.bestDice,
    bestIteration: state.bestIteration,
    teacherValidationDice: teacherValDice,
    seconds: Math.round(elapsed()),
    validationSubjects: val.map((p) => p.id),
  };
  await writeTextAtomically(path.join(out, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');
  return {
    modelDir: out,
    summary: `best validation Dice ${state.bestDice.toFixed(4)} at iteration ${state.bestIteration} (teacher ${teacherValDice.toFixed(4)}), ${summary.seconds} s; model in ${path.resolve(out)}`,
  };
}
