/**
 * Training the Gauss-Newton engine's feature network end to end through unrolled Gauss-Newton
 * steps (the engine's own data terms and step-length limit), with weak label supervision:
 *   loss = (1 − soft Dice of the warped template labels) + imageWeight · mean squared intensity
 *          difference + foldWeight · mean max(0, 0.1 − det J)   (folding penalty, jacobian-op.ts)
 * Progress, a CSV loss log, periodic checkpoints, validation on held-out subjects (the best model
 * whose validation fields fold on at most maxFoldPercent of the voxels is kept), and resume from
 * the last checkpoint.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { readVolume } from '../volume/io.js';
import { FeatureNet } from './feature-net.js';
import { differentiableGaussNewton, softDiceLoss } from './differentiable-gn.js';
import { listScans, labelSet, preparePair } from './dataset.js';
import type { PreparedPair, ScanEntry } from './dataset.js';
import { warpChannelsOp } from '../tensor/warp-op.js';
import { mindSsc, MIND_CHANNELS } from '../kernels/mind.js';
import { learnedFeatures } from './learned-features.js';
import { registerGaussNewton, mindFeatureExtractor, foregroundMask } from '../registration/gauss-newton.js';
import { foldingPenalty } from '../tensor/jacobian-op.js';
import { deformationMetrics } from '../metrics/deformation.js';
import type { FeatureExtractor } from '../registration/gauss-newton.js';
import { GN_OPTIONS, gaussNewtonSettings } from '../engines/gn/options.js';
import { defaultOptions } from '../engines/options.js';
import { saveFeatureModel, loadFeatureModel } from '../engines/gn/model.js';
import type { FeatureModelInfo } from '../engines/gn/model.js';
import { displacementWorldToIndex } from '../kernels/warp.js';
import { sampleAtCoordinates } from '../kernels/resample.js';
import { diceScores } from '../metrics/overlap.js';
import { createVolume } from '../volume/volume.js';
import { writeTextAtomically } from '../util/atomic.js';
import { LabelWarpError, throwIfAborted } from '../util/errors.js';
import type { ProgressFn } from '../pipeline/progress.js';
import type { TrainInputs } from '../engines/engine.js';

export interface TrainGnOptions {
  templateImage: string;
  templateLabels: string;
  scansDir: string;
  scanLabelsDir?: string;
  outDir: string;
  iterations?: number;
  learningRate?: number;
  validationFraction?: number;
  /** Validate every N iterations (and at the end). */
  validateEvery?: number;
  checkpointEvery?: number;
  /** At most this many validation subjects are scored each time (default 20). */
  maxValidation?: number;
  hidden?: number;
  outChannels?: number;
  steps?: number;
  lambda?: number;
  imageWeight?: number;
  /** Weight of the folding penalty (default 5). */
  foldWeight?: number;
  /** Checkpoints whose validation fields fold on more than this % of voxels rank below all others (default 0.5). */
  maxFoldPercent?: number;
  seed?: number;
  resume?: boolean;
  signal?: AbortSignal;
  onProgress?: ProgressFn;
  log?: (line: string) => void;
  /** Training-run hooks (core/engines/engine.ts TrainInputs). */
  onStep?: TrainInputs['onStep'];
  onValidation?: TrainInputs['onValidation'];
  atStepBoundary?: TrainInputs['atStepBoundary'];
  onPrepared?: TrainInputs['onPrepared'];
  onCheckpoint?: TrainInputs['onCheckpoint'];
}

export interface TrainGnResult {
  iterations: number;
  bestValidationDice: number;
  baselineValidationDice: number;
  modelDir: string;
}

function rng(seed: number) {
  let s = seed >>> 0 || 1;
  return () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
}

/** MIND-SSC settings the network is trained beside (recorded in the model). */
const MIND = { radius: 1, dilation: 1 };
/**
 * The intensity channel the engine adds after the network's (`intensityWeight`, its default):
 * trained and validated with it, so that validation scores what inference runs.
 */
const INTENSITY_WEIGHT = defaultOptions(GN_OPTIONS).intensityWeight;

/** Mean Dice and mean % det J ≤ 0 of the held-out pairs registered by the (typed-array) engine with these features. */
export async function validate(
  pairs: PreparedPair[],
  features: FeatureExtractor,
  signal?: AbortSignal,
): Promise<{ dice: number; foldPercent: number }> {
  const settings = gaussNewtonSettings(defaultOptions(GN_OPTIONS), features);
  let sum = 0;
  let folds = 0;
  let count = 0;
  for (const p of pairs) {
    throwIfAborted(signal);
    if (!p.fixedLabels) continue;
    const fixed = createVolume(p.grid, p.fixedImage);
    const moving = createVolume(p.grid, p.movingImage);
    const gn = await registerGaussNewton(fixed, moving, settings);
    folds += deformationMetrics(p.grid, gn.fieldMm).nonPositiveJacobianPercent;
    const idx = displacementWorldToIndex(p.grid, gn.fieldMm);
    const [nx, ny] = p.grid.dims;
    for (let v = 0; v < idx.length / 3; v++) {
      idx[3 * v] += v % nx;
      idx[3 * v + 1] += Math.floor(v / nx) % ny;
      idx[3 * v + 2] += Math.floor(v / (nx * ny));
    }
    const warped = sampleAtCoordinates(createVolume(p.grid, p.movingLabels), p.grid, idx, 'label-linear').data;
    const d = diceScores(warped, p.fixedLabels);
    const scores = [...d.values()].map((x) => x.dice);
    sum += scores.reduce((a, b) => a + b, 0) / Math.max(1, scores.length);
    count++;
  }
  return count ? { dice: sum / count, foldPercent: folds / count } : { dice: NaN, foldPercent: NaN };
}

function pairTensors(p: PreparedPair, net: FeatureNet) {
  const [nx, ny, nz] = p.grid.dims;
  const n = nx * ny * nz;
  const features = (img: Float32Array) => {
    const mind = tf.tensor4d(mindSsc(img, p.grid.dims), [nz, ny, nx, MIND_CHANNELS]);
    const learned = tf.reshape(net.apply(tf.tensor5d(img, [1, nz, ny, nx, 1])), [nz, ny, nx, net.config.outChannels]);
    const channels: tf.Tensor4D[] = [mind, learned as tf.Tensor4D];
    if (INTENSITY_WEIGHT > 0) channels.push(tf.mul(tf.tensor4d(img, [nz, ny, nx, 1]), INTENSITY_WEIGHT));
    return tf.concat(channels, 3) as tf.Tensor4D;
  };
  const L = p.labels.length;
  return {
    ff: features(p.fixedImage),
    fm: features(p.movingImage),
    fImg: tf.tensor4d(p.fixedImage, [nz, ny, nx, 1]),
    mImg: tf.tensor4d(p.movingImage, [nz, ny, nx, 1]),
    fLab: p.fixedOneHot ? tf.tensor4d(p.fixedOneHot, [nz, ny, nx, L]) : undefined,
    mLab: tf.tensor4d(p.movingOneHot, [nz, ny, nx, L]),
    // The engine's default foreground mask: data terms only where there is something to match.
    mask: foregroundMask(p.fixedImage, p.movingImage, p.grid.dims, 0.05),
    n,
  };
}

export async function trainGaussNewton(options: TrainGnOptions): Promise<TrainGnResult> {
  const iterations = options.iterations ?? 300;
  const validateEvery = options.validateEvery ?? 50;
  const checkpointEvery = options.checkpointEvery ?? 25;
  const steps = options.steps ?? 4;
  const lambda = options.lambda ?? 0.02;
  const imageWeight = options.imageWeight ?? 0.5;
  const foldWeight = options.foldWeight ?? 5;
  const maxFold = options.maxFoldPercent ?? 0.5;
  // Selection score: validation Dice, ranked below every acceptable checkpoint when it folds too much.
  const score = (v: { dice: number; foldPercent: number }) => (v.foldPercent <= maxFold ? v.dice : v.dice - 1);
  const log = options.log ?? (() => {});
  const out = options.outDir;
  const ckptDir = path.join(out, 'checkpoint');
  await fs.mkdir(out, { recursive: true });

  const templateImage = await readVolume(options.templateImage, 'image');
  const templateLabels = await readVolume(options.templateLabels, 'labels');
  const classes = labelSet(templateLabels.data);
  if (classes.length === 0) throw new LabelWarpError('the template label map holds no labels', options.templateLabels);
  const scans = await listScans(options.scansDir, options.scanLabelsDir, [options.templateImage]);
  const labelled = scans.filter((s) => s.labels);
  if (options.scanLabelsDir && labelled.length < 2)
    throw new LabelWarpError('fewer than two scans have a matching label map', options.scanLabelsDir);
  const pool = labelled.length >= 2 ? labelled : scans;
  const nVal = Math.max(1, Math.round((options.validationFraction ?? 0.2) * pool.length));
  const train = pool.slice(0, pool.length - nVal);
  const held = pool.slice(pool.length - nVal);
  if (train.length === 0) throw new LabelWarpError('not enough scans to train on after holding some out for validation');

  let net: FeatureNet;
  let start = 0;
  let best = -Infinity;
  let bestScore = -Infinity;
  let baseline = NaN;
  let earlierSeconds = 0;
  const started = performance.now();
  if (options.resume && (await fs.stat(path.join(ckptDir, 'model.json')).catch(() => undefined))) {
    const loaded = await loadFeatureModel(ckptDir);
    net = loaded.net;
    start = Number(loaded.card.training.iteration ?? 0);
    best = Number(loaded.card.training.bestValidationDice ?? -Infinity);
    bestScore = Number(loaded.card.training.bestScore ?? best);
    baseline = Number(loaded.card.validation.baselineDice ?? NaN);
    earlierSeconds = loaded.card.training.seconds ?? 0;
    log(`resuming from iteration ${start} (best validation Dice so far ${best.toFixed(4)})`);
  } else {
    net = new FeatureNet({ hidden: options.hidden ?? 4, outChannels: options.outChannels ?? 4 }, undefined, options.seed ?? 1);
    await fs.writeFile(path.join(out, 'log.csv'), 'iteration,subject,loss,dice_loss,image_loss,fold_loss,seconds\n');
    await fs.writeFile(path.join(out, 'validation.csv'), 'iteration,mean_dice,mean_fold_percent\n');
  }
  const modelInfo = (validationDice: number | null, extra: Record<string, unknown>): FeatureModelInfo => ({
    templateImage: options.templateImage,
    templateLabels: options.templateLabels,
    subjects: { training: train.map((s) => s.id), validation: held.map((s) => s.id) },
    mind: MIND,
    settings: {
      steps,
      lambda,
      imageWeight,
      foldWeight,
      intensityWeight: INTENSITY_WEIGHT,
      maxFoldPercent: maxFold,
      learningRate: options.learningRate ?? 3e-3,
      labels: classes,
    },
    seconds: earlierSeconds + (performance.now() - started) / 1000,
    validation: { dice: validationDice, baselineDice: baseline, scoredSubjects: valSubjects.map((s) => s.id) },
    extra,
  });

  const cache = new Map<string, PreparedPair>();
  const prepare = async (s: ScanEntry) => {
    let p = cache.get(s.id);
    if (!p) cache.set(s.id, (p = await preparePair(templateImage, templateLabels, s, classes)));
    return p;
  };
  const valSubjects = held.slice(0, options.maxValidation ?? 20);
  const valPairs: PreparedPair[] = [];
  for (const [i, s] of valSubjects.entries()) {
    throwIfAborted(options.signal);
    options.onProgress?.({ stage: 'preparing', fraction: i / valSubjects.length, message: `validation subject ${s.id}` });
    const t0 = performance.now();
    valPairs.push(await prepare(s));
    // Training subjects are prepared when first drawn; each costs what a validation subject does.
    options.onPrepared?.({ done: i + 1, total: valSubjects.length, seconds: (performance.now() - t0) / 1000 });
  }
  if (Number.isNaN(baseline)) {
    const b = await validate(valPairs, mindFeatureExtractor(MIND.radius, MIND.dilation, INTENSITY_WEIGHT), options.signal);
    baseline = b.dice;
    log(
      `validation Dice without the network (MIND-SSC${INTENSITY_WEIGHT > 0 ? ' and intensity' : ''}, baseline): ${baseline.toFixed(4)}, ${b.foldPercent.toFixed(2)} % det J ≤ 0`,
    );
  }

  // Written after every validation too, so that an interrupted run still records which held-out
  // subjects were used for model selection (benchmarks exclude them).
  const writeSummary = (done: number) =>
    writeTextAtomically(
      path.join(out, 'summary.json'),
      JSON.stringify(
        { iterations: done, bestValidationDice: best, baselineValidationDice: baseline, validationSubjects: valSubjects.map((s) => s.id) },
        null,
        2,
      ) + '\n',
    );
  const optimizer = tf.train.adam(options.learningRate ?? 3e-3);
  const vars = [...net.variables.values()];
  const random = rng((options.seed ?? 1) + start * 7919);
  try {
    for (let it = start; it < iterations; it++) {
      throwIfAborted(options.signal);
      await options.atStepBoundary?.();
      throwIfAborted(options.signal);
      const stepStart = performance.now();
      const subject = train[Math.floor(random() * train.length)];
      options.onProgress?.({
        stage: 'training',
        fraction: it / iterations,
        message: `iteration ${it + 1}/${iterations}, subject ${subject.id}`,
      });
      const pair = await prepare(subject);
      const t0 = performance.now();
      let parts = [0, 0, 0];
      const loss = optimizer.minimize(
        () => {
          const t = pairTensors(pair, net);
          const u = differentiableGaussNewton(t.ff, t.fm, {
            steps,
            lambda,
            delta: 0.01,
            termScale: 1 / MIND_CHANNELS,
            mask: t.mask,
            // The engine's step-length limit, without its fold-aware halving: the penalty below has
            // to see the folds the features cause (inference keeps the halving as a safety net).
            limit: { maxStep: 1.5 },
          });
          const warpedImg = warpChannelsOp(t.mImg, u);
          const imageLoss = tf.mean(tf.square(tf.sub(warpedImg, t.fImg))) as tf.Scalar;
          const diceLoss = t.fLab ? softDiceLoss(warpChannelsOp(t.mLab, u), t.fLab) : tf.scalar(0);
          const foldLoss = foldingPenalty(u);
          parts = [diceLoss.dataSync()[0], imageLoss.dataSync()[0], foldLoss.dataSync()[0]];
          return tf.addN([diceLoss, tf.mul(imageLoss, imageWeight), tf.mul(foldLoss, foldWeight)]) as tf.Scalar;
        },
        true,
        vars,
      );
      const value = loss ? loss.dataSync()[0] : NaN;
      loss?.dispose();
      if (!Number.isFinite(value)) throw new Error(`training diverged at iteration ${it + 1} (loss ${value})`);
      const secs = (performance.now() - t0) / 1000;
      options.onStep?.({
        iteration: it + 1,
        iterations,
        terms: { loss: value, dice: parts[0], image: parts[1], fold: parts[2] },
        seconds: (performance.now() - stepStart) / 1000,
      });
      await fs.appendFile(
        path.join(out, 'log.csv'),
        `${it + 1},${subject.id},${value.toFixed(6)},${parts[0].toFixed(6)},${parts[1].toFixed(6)},${parts[2].toFixed(6)},${secs.toFixed(2)}\n`,
      );
      log(
        `iteration ${it + 1}/${iterations}  loss ${value.toFixed(4)} (dice ${parts[0].toFixed(4)}, image ${parts[1].toFixed(4)}, fold ${parts[2].toFixed(4)})  ${secs.toFixed(1)} s`,
      );
      const last = it + 1 === iterations;
      if ((it + 1) % validateEvery === 0 || last) {
        const v0 = performance.now();
        const v = await validate(valPairs, learnedFeatures(net, MIND.radius, MIND.dilation, INTENSITY_WEIGHT), options.signal);
        options.onValidation?.({ iteration: it + 1, dice: v.dice, seconds: (performance.now() - v0) / 1000, subjects: valPairs.length });
        await fs.appendFile(path.join(out, 'validation.csv'), `${it + 1},${v.dice.toFixed(6)},${v.foldPercent.toFixed(4)}\n`);
        log(
          `validation at iteration ${it + 1}: Dice ${v.dice.toFixed(4)} (baseline ${baseline.toFixed(4)}), ${v.foldPercent.toFixed(2)} % det J ≤ 0`,
        );
        if (score(v) > bestScore) {
          bestScore = score(v);
          best = v.dice;
          await saveFeatureModel(out, net, modelInfo(v.dice, { iteration: it + 1, validationFoldPercent: v.foldPercent }));
          await writeSummary(it + 1);
        }
      }
      if ((it + 1) % checkpointEvery === 0 || last) {
        const c0 = performance.now();
        await saveFeatureModel(ckptDir, net, modelInfo(null, { iteration: it + 1, bestValidationDice: best, bestScore }));
        options.onCheckpoint?.({ iteration: it + 1, seconds: (performance.now() - c0) / 1000 });
      }
    }
  } finally {
    optimizer.dispose();
    net.dispose();
  }
  await writeSummary(iterations);
  return { iterations, bestValidationDice: best, baselineValidationDice: baseline, modelDir: out };
}
