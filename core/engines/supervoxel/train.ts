/**
 * `labelwarp train supervoxel`: the template's supervoxel layers (SLIC, merged to exactly 127 per
 * layer), carried to every training scan through the teacher's displacement fields (the teach
 * code, Gauss-Newton by default, cached in --teacher-dir), then the network trained to predict
 * them (cross-entropy over the 16 layers, Adam, random affine augmentation of image and maps
 * together). The template itself is a training sample too (its own maps, no teacher needed).
 *
 * Subjects: as `train gn` and `train student`: the labelled scans sorted by name, the last
 * --validation-fraction held out, the first --max-validation of those choose the best model by
 * the Dice of the whole registration (affine, prediction, keypoints); the first --max-training of
 * the rest are trained on. Writes log.csv, validation.csv, checkpoint/ (for --resume; Adam's
 * moments restart) and the best model (model.json, weights.bin, supervoxels.bin, supervoxel.onnx).
 */
import path from 'node:path';
import { promises as fs } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { gnTeacher, splitSubjects } from '../teacher-training-options.js';
import type { TrainInputs } from '../engine.js';
import type { SupervoxelTrainOptions } from './trainer.js';
import { listScans, labelSet } from '../../learned/dataset.js';
import type { ScanEntry } from '../../learned/dataset.js';
import { exportTeacherFields, readTeacherField } from '../../learned/teacher-fields.js';
import { LabelWarpError, throwIfAborted } from '../../util/errors.js';
import { writeTextAtomically } from '../../util/atomic.js';
import { mulberry32 } from '../../util/random.js';
import { readVolume } from '../../volume/io.js';
import { gridOf } from '../../volume/volume.js';
import type { Grid, Vec3, Volume } from '../../volume/volume.js';
import { AffineTransform, CompositeTransform, DisplacementFieldTransform, sourceIndexCoordinates } from '../../registration/transform.js';
import type { SpatialTransform } from '../../registration/transform.js';
import { sampleAtCoordinates } from '../../kernels/resample.js';
import { diceScores } from '../../metrics/overlap.js';
import { affineStep } from '../affine/step.js';
import { GN_OPTIONS } from '../gn/options.js';
import { fieldTransform } from '../student/inputs.js';
import { ParamSet } from '../student/params.js';
import { parameterCount } from '../student/network.js';
import { SUPERVOXEL_ARCHITECTURE, checkSupervoxelGrid, supervoxelLayers } from './network.js';
import { DEFAULT_SUPERVOXELS, templateSupervoxels } from './template-supervoxels.js';
import type { SupervoxelSettings, TemplateSupervoxels } from './template-supervoxels.js';
import { carryLabels, networkGrid, networkImage } from './maps.js';
import { augmentSample, trainingStep } from './training-step.js';
import { randomGridAffine } from '../../learned/augment.js';
import { classBins, foldingMatrix } from './features.js';
import { createFeatureRuntime, tfjsFeatureRuntime } from './runtime.js';
import { supervoxelOnnx } from './onnx-export.js';
import { matchKeypoints } from './step.js';
import type { MatchSettings, SupervoxelStepModel } from './step.js';
import { saveSupervoxelModel } from './model.js';
import { SUPERVOXEL_OPTIONS } from './options.js';
import { PAPER_KEYPOINT_OPTIONS } from './keypoints.js';

interface Subject {
  id: string;
  image: Float32Array;
  /** Template supervoxels on the network grid (layer-major). */
  labels: Uint8Array;
}

interface ValidationSubject {
  id: string;
  scan: Volume;
  labels: Volume;
  affine: SpatialTransform;
}

interface CheckpointState {
  iteration: number;
  bestDice: number;
  bestIteration: number;
  seconds: number;
}

/** Mean Dice over `classes` of the template labels warped by the registration to each validation scan. */
async function validationDice(
  model: SupervoxelStepModel,
  templateLabels: Volume,
  val: ValidationSubject[],
  classes: number[],
  match: MatchSettings,
): Promise<{ dice: number; seconds: number }> {
  let sum = 0;
  const t0 = performance.now();
  for (const s of val) {
    const net = networkGrid(s.scan, model.grid);
    const features = await model.runtime.run(networkImage(s.scan, net));
    const m = await matchKeypoints(model, features, net, s.affine, match);
    const t = new CompositeTransform([fieldTransform(net, m.field), s.affine]);
    const warped = sampleAtCoordinates(templateLabels, s.scan, sourceIndexCoordinates(s.scan, templateLabels, t), 'label-linear');
    const scores = diceScores(warped.data, s.labels.data);
    sum += classes.reduce((a, c) => a + (scores.get(c)?.dice ?? 0), 0) / classes.length;
  }
  return { dice: sum / val.length, seconds: (performance.now() - t0) / 1000 / val.length };
}

export async function trainSupervoxel(inputs: TrainInputs, o: SupervoxelTrainOptions): Promise<{ modelDir: string; summary: string }> {
  const out = inputs.outDir;
  const dims = o.grid as Vec3;
  if (dims.length !== 3) throw new LabelWarpError('--grid needs three sizes x,y,z');
  checkSupervoxelGrid(dims);
  await fs.mkdir(out, { recursive: true });
  const started = performance.now();
  const templateImage = await readVolume(inputs.templateImage, 'image');
  const templateLabels = await readVolume(inputs.templateLabels, 'labels');
  const classes = labelSet(templateLabels.data);
  if (classes.length === 0) throw new LabelWarpError('the template label map holds no labels', inputs.templateLabels);
  const scans = await listScans(inputs.scansDir, inputs.scanLabelsDir ?? inputs.scansDir, [inputs.templateImage]);
  const labelled = scans.filter((s) => s.labels);
  if (labelled.length < 2) throw new LabelWarpError('fewer than two scans have a matching label map', inputs.scansDir);
  const { training: trainScans, held, validation: valScans } = splitSubjects(labelled, o);
  if (trainScans.length === 0) throw new LabelWarpError('not enough scans to train on after holding some out for validation');

  // 1. The template's supervoxels (stored with the model; recomputed identically on resume).
  const svSettings: SupervoxelSettings = {
    ...DEFAULT_SUPERVOXELS,
    layers: o.layers,
    count: o.supervoxels,
    maskDilationMm: o.maskDilationMm,
    seed: o.seed,
  };
  let t = performance.now();
  const sv = templateSupervoxels(templateImage, templateLabels, svSettings);
  inputs.log(`template supervoxels: ${sv.layers} layers × ${sv.count} (${((performance.now() - t) / 1000).toFixed(1)} s)`);

  // 2. Teacher fields: run where missing, reuse what is there (the workspace's cache in the app).
  const teacherDir = o.teacherDir ?? inputs.teacherDir ?? path.join(out, 'teacher');
  t = performance.now();
  const counts = await exportTeacherFields({
    templateImage: inputs.templateImage,
    templateLabels: inputs.templateLabels,
    scans: trainScans,
    out: teacherDir,
    engine: gnTeacher(o).engine,
    engineOptions: gnTeacher(o).options,
    progress: (label) => ({ onProgress: inputs.onProgress, done: () => inputs.log(`teacher ${label} done`) }),
    log: inputs.log,
  });
  inputs.log(
    `teacher fields: ${counts.done} computed, ${counts.skipped} reused, ${counts.failed} failed (${((performance.now() - t) / 1000).toFixed(0)} s)`,
  );
  if (counts.failed > 0) throw new LabelWarpError(`${counts.failed} teacher registrations failed`, teacherDir);

  // Training samples: the scan on the network grid and the template's supervoxels carried there.
  const templateGrid: Grid = gridOf(templateImage);
  const subject = async (scan: ScanEntry): Promise<Subject> => {
    const image = await readVolume(scan.image, 'image');
    const teacher = await readTeacherField(teacherDir, scan.id);
    const net = networkGrid(image, dims);
    const mapping = new DisplacementFieldTransform(gridOf(image), teacher.displacement.data);
    return { id: scan.id, image: networkImage(image, net), labels: carryLabels(sv, templateGrid, net, mapping) };
  };
  const total = trainScans.length + valScans.length;
  let done = 0;
  const prepared = (t0: number) => inputs.onPrepared?.({ done: ++done, total, seconds: (performance.now() - t0) / 1000 });
  const train: Subject[] = [];
  for (const s of trainScans) {
    const t0 = performance.now();
    train.push(await subject(s));
    prepared(t0);
  }
  const templateNet = networkGrid(templateImage, dims);
  const templateId = path.basename(inputs.templateImage).replace(/\.nii(\.gz)?$/, '');
  train.push({
    id: templateId,
    image: networkImage(templateImage, templateNet),
    labels: carryLabels(sv, templateGrid, templateNet, AffineTransform.identity()),
  });

  // Validation subjects with their affine pre-alignment (computed once).
  t = performance.now();
  const affine = affineStep({
    levels: GN_OPTIONS.affineLevels.default,
    iterations: SUPERVOXEL_OPTIONS.affineIterations.default,
    role: 'pre-alignment',
  });
  const val: ValidationSubject[] = [];
  for (const s of valScans) {
    const t0 = performance.now();
    const scan = await readVolume(s.image, 'image');
    const r = await affine.register(scan, templateImage);
    val.push({ id: s.id, scan, labels: await readVolume(s.labels!, 'labels'), affine: r.transform });
    prepared(t0);
  }
  affine.dispose();
  inputs.log(
    `${train.length} training samples (${trainScans.length} scans + the template), ${val.length} validation scans (affine ${((performance.now() - t) / 1000).toFixed(0)} s)`,
  );

  // 3. The network, from the checkpoint when resuming.
  // The head has one group of classes per supervoxel layer.
  const arch = { ...SUPERVOXEL_ARCHITECTURE, groups: sv.layers };
  const layersList = supervoxelLayers(arch);
  const ckpt = path.join(out, 'checkpoint');
  let state: CheckpointState = { iteration: 0, bestDice: -1, bestIteration: 0, seconds: 0 };
  let net: ParamSet | undefined;
  if (inputs.resume) {
    const s = JSON.parse(await fs.readFile(path.join(ckpt, 'state.json'), 'utf8').catch(() => 'null')) as CheckpointState | null;
    const manifest = JSON.parse(await fs.readFile(path.join(ckpt, 'weights.json'), 'utf8').catch(() => 'null')) as
      Parameters<typeof ParamSet.load>[2] | null;
    if (s && manifest) {
      state = s;
      net = await ParamSet.load(ckpt, layersList, manifest);
    }
    inputs.log(s && manifest ? `resuming at iteration ${s.iteration}` : 'no checkpoint: starting from scratch');
  }
  net ??= new ParamSet(layersList, undefined, o.seed, 0.05);
  inputs.log(
    `network: ${parameterCount(layersList).toLocaleString('en')} parameters (backbone ${parameterCount(layersList.filter((l) => /^b\d/.test(l.name))).toLocaleString('en')}), grid ${dims.join('×')}`,
  );
  const optimizer = tf.train.adam(o.learningRate);
  const binSeed = o.seed + 7;
  const binOf = classBins(sv.layers, arch.classes, o.bins, binSeed);
  const folding = foldingMatrix(binOf, sv.layers, arch.classes, o.bins);
  // Validation runs the network as the engine does: ONNX Runtime on the current weights where it
  // loads (a fresh export each time), else tfjs.
  const validationRuntime = async () =>
    (
      await createFeatureRuntime(
        'auto',
        async () => supervoxelOnnx(net, arch, dims, folding, o.bins),
        () => tfjsFeatureRuntime(net, arch, dims, folding, o.bins),
        dims,
      )
    ).runtime;
  const stepModel: Omit<SupervoxelStepModel, 'runtime'> = {
    grid: dims,
    templateGrid,
    supervoxels: sv,
    classes: arch.classes,
    binOf,
    bins: o.bins,
  };
  // Validation registers as the engine does by default.
  const match: MatchSettings = {
    ...PAPER_KEYPOINT_OPTIONS,
    smoothMm: SUPERVOXEL_OPTIONS.smoothMm.default,
    ownLayer: SUPERVOXEL_OPTIONS.ownLayer.default,
  };
  const settings = { ...o, teacherDir: undefined, teacherModel: o.teacherModel ? path.basename(o.teacherModel) : undefined };
  const log = path.join(out, 'log.csv');
  if (state.iteration === 0) {
    await fs.writeFile(log, 'iteration,subject,loss,seconds\n');
    await fs.writeFile(path.join(out, 'validation.csv'), 'iteration,dice,seconds_per_scan\n');
  }
  const rand = mulberry32(o.seed * 7919 + state.iteration);
  const clock = performance.now() - state.seconds * 1000;
  const elapsed = () => (performance.now() - clock) / 1000;
  const saveBest = (dice: number, iteration: number) =>
    saveSupervoxelModel(out, net, {
      grid: dims,
      architecture: arch,
      templateGrid,
      supervoxels: sv,
      supervoxelSettings: svSettings,
      bins: o.bins,
      binSeed,
      templateImage: inputs.templateImage,
      templateLabels: inputs.templateLabels,
      subjects: { training: trainScans.map((s) => s.id), validation: held.map((s) => s.id) },
      settings,
      seconds: Math.round(elapsed()),
      validation: { dice, scoredSubjects: val.map((s) => s.id) },
      extra: {
        iteration,
        note: 'validation Dice: the whole registration (affine, prediction, keypoints) on the scan grid; seconds include the template supervoxels and teacher fields of this run',
      },
    });
  inputs.log(`preparation ${((performance.now() - started) / 1000).toFixed(0)} s`);

  try {
    for (let it = state.iteration; it < o.iterations; it++) {
      throwIfAborted(inputs.signal);
      await inputs.atStepBoundary?.();
      throwIfAborted(inputs.signal);
      const s = train[Math.floor(rand() * train.length)];
      const t0 = performance.now();
      const sample = augmentSample(s.image, s.labels, sv.layers, dims, o.augment > 0 ? randomGridAffine(rand, dims, o.augment) : undefined);
      const loss = trainingStep(net, optimizer, arch, dims, sample, o.headChunk);
      const sec = (performance.now() - t0) / 1000;
      await fs.appendFile(log, `${it + 1},${s.id},${loss.toFixed(6)},${sec.toFixed(3)}\n`);
      inputs.onStep?.({ iteration: it + 1, iterations: o.iterations, terms: { loss }, seconds: sec });
      inputs.onProgress?.({
        stage: 'training',
        fraction: (it + 1) / o.iterations,
        message: `iteration ${it + 1}/${o.iterations} loss ${loss.toFixed(4)}`,
      });
      const last = it + 1 === o.iterations;
      if ((it + 1) % o.validateEvery === 0 || last) {
        const v0 = performance.now();
        const runtime = await validationRuntime();
        const v = await validationDice({ ...stepModel, runtime }, templateLabels, val, classes, match).finally(() => runtime.dispose());
        inputs.onValidation?.({ iteration: it + 1, dice: v.dice, seconds: (performance.now() - v0) / 1000, subjects: val.length });
        await fs.appendFile(path.join(out, 'validation.csv'), `${it + 1},${v.dice.toFixed(6)},${v.seconds.toFixed(3)}\n`);
        inputs.log(
          `iteration ${it + 1}: loss ${loss.toFixed(4)}, validation Dice ${v.dice.toFixed(4)} (${v.seconds.toFixed(1)} s/scan), ${elapsed().toFixed(0)} s`,
        );
        if (v.dice > state.bestDice) {
          state = { ...state, bestDice: v.dice, bestIteration: it + 1 };
          await saveBest(v.dice, it + 1);
        }
      }
      if ((it + 1) % o.checkpointEvery === 0 || last) {
        const c0 = performance.now();
        state = { ...state, iteration: it + 1, seconds: elapsed() };
        const manifest = await net.save(ckpt, 'weights.bin');
        await writeTextAtomically(path.join(ckpt, 'weights.json'), JSON.stringify(manifest) + '\n');
        await writeTextAtomically(path.join(ckpt, 'state.json'), JSON.stringify(state, null, 2) + '\n');
        inputs.onCheckpoint?.({ iteration: it + 1, seconds: (performance.now() - c0) / 1000 });
      }
    }
  } finally {
    net.dispose();
    optimizer.dispose();
  }
  const summary = {
    bestValidationDice: state.bestDice,
    bestIteration: state.bestIteration,
    seconds: Math.round(elapsed()),
    validationSubjects: val.map((s) => s.id),
  };
  await writeTextAtomically(path.join(out, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');
  return {
    modelDir: out,
    summary: `best validation Dice ${state.bestDice.toFixed(4)} at iteration ${state.bestIteration}, ${summary.seconds} s; model in ${path.resolve(out)}`,
  };
}

export type { TemplateSupervoxels };
