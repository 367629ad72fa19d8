/**
 * An example engine, complete in this one file (README, "Adding an engine"). `centroid` translates
 * the template so that the intensity centres of mass of the two images coincide, plus an offset
 * learned by `labelwarp train centroid`: the mean, over labelled training scans, of the difference
 * between the label maps' centres and the intensity centres. It is tiny, but it has everything a
 * learned engine has: typed options, a step, a memory estimate, a trainer and a model folder in
 * the common format, checked against the template at run time.
 */
import { defineEngine, option } from '../../core/engines/index.js';
import type { RunGrids } from '../../core/engines/index.js';
import { AffineTransform, sourceIndexCoordinates } from '../../core/registration/transform.js';
import { centreOfMassWorld } from '../../core/kernels/pyramid.js';
import { normalizeRobust } from '../../core/kernels/intensity.js';
import { sampleAtCoordinates } from '../../core/kernels/resample.js';
import { diceScores } from '../../core/metrics/overlap.js';
import { listScans } from '../../core/learned/dataset.js';
import { readVolume } from '../../core/volume/io.js';
import { voxelCount } from '../../core/volume/volume.js';
import type { Vec3, Volume } from '../../core/volume/volume.js';
import { readModelCard, templateWarning, writeModelCard } from '../../core/models/model-format.js';
import { LabelWarpError } from '../../core/util/errors.js';

const OPTIONS = {
  threshold: option.number({ description: 'normalised intensity below which voxels are ignored', default: 0.1, min: 0, max: 0.9 }),
  model: option.path({ description: 'a learned offset (labelwarp train centroid)' }),
};

const TRAIN_OPTIONS = {
  validationFraction: option.number({
    description: 'share of the labelled scans held out (the last by name)',
    default: 0.25,
    min: 0.05,
    max: 0.9,
  }),
  threshold: OPTIONS.threshold,
};

/** Template point = scan point + shift: the shift that moves the scan's intensity centre onto the template's. */
function centroidShift(fixed: Volume, moving: Volume, threshold: number): Vec3 {
  const cf = centreOfMassWorld(fixed, normalizeRobust(fixed.data), threshold);
  const cm = centreOfMassWorld(moving, normalizeRobust(moving.data), threshold);
  return [cm[0] - cf[0], cm[1] - cf[1], cm[2] - cf[2]];
}

function labelCentre(labels: Volume): Vec3 {
  return centreOfMassWorld(
    labels,
    Float32Array.from(labels.data, (l) => (l > 0 ? 1 : 0)),
    0,
  );
}

const translation = (t: Vec3) => new AffineTransform(Float64Array.from([1, 0, 0, t[0], 0, 1, 0, t[1], 0, 0, 1, t[2], 0, 0, 0, 1]));

function meanDice(templateLabels: Volume, scanLabels: Volume, shift: Vec3): number {
  const coords = sourceIndexCoordinates(scanLabels, templateLabels, translation(shift));
  const warped = sampleAtCoordinates(templateLabels, scanLabels, coords, 'label-linear');
  const scores = [...diceScores(warped.data, scanLabels.data).values()].map((d) => d.dice);
  return scores.reduce((a, b) => a + b, 0) / Math.max(1, scores.length);
}

export const centroidEngine = defineEngine({
  name: 'centroid',
  description: 'translation aligning the intensity centres of mass, plus a learned offset (example engine)',
  deformable: false,
  options: OPTIONS,
  async create(options) {
    const card = options.model ? await readModelCard(options.model, 'centroid') : undefined;
    const offset = (card?.config.offsetMm as Vec3 | undefined) ?? [0, 0, 0];
    return {
      name: 'centroid',
      async register(fixed, moving, ctx = {}) {
        ctx.onProgress?.({ stage: 'centroid', fraction: 0 });
        const s = centroidShift(fixed, moving, options.threshold);
        const shift: Vec3 = [s[0] + offset[0], s[1] + offset[1], s[2] + offset[2]];
        const warning = card && options.model ? await templateWarning(card, options.model, ctx.templateFile) : undefined;
        ctx.onProgress?.({ stage: 'centroid', fraction: 1 });
        return { transform: translation(shift), warnings: warning ? [warning] : [], details: { shiftMm: Math.hypot(...shift) } };
      },
      dispose() {},
    };
  },
  // Two normalised float32 copies of the images.
  estimateMemory: (grids: RunGrids) => 4 * (voxelCount(grids.fixed) + voxelCount(grids.moving)),
  trainer: {
    help: 'Learns the offset between label and intensity centres of mass from labelled scans.',
    options: TRAIN_OPTIONS,
    async train(inputs, options) {
      const started = performance.now();
      const templateVolume = await readVolume(inputs.templateImage, 'image');
      const templateLabels = await readVolume(inputs.templateLabels, 'labels');
      const scans = (await listScans(inputs.scansDir, inputs.scanLabelsDir, [inputs.templateImage])).filter((s) => s.labels);
      const nVal = Math.max(1, Math.round(options.validationFraction * scans.length));
      const train = scans.slice(0, scans.length - nVal);
      const held = scans.slice(scans.length - nVal);
      if (train.length === 0) throw new LabelWarpError('needs at least two labelled scans', inputs.scansDir);
      const read = async (s: (typeof scans)[number]) => ({
        image: await readVolume(s.image, 'image'),
        labels: await readVolume(s.labels!, 'labels'),
      });
      const sum: Vec3 = [0, 0, 0];
      for (const [i, s] of train.entries()) {
        inputs.onProgress?.({ stage: 'training', fraction: i / train.length, message: s.id });
        const { image, labels } = await read(s);
        const byImage = centroidShift(image, templateVolume, options.threshold);
        const a = labelCentre(templateLabels);
        const b = labelCentre(labels);
        for (let k = 0; k < 3; k++) sum[k] += a[k] - b[k] - byImage[k];
      }
      const offset = sum.map((x) => x / train.length) as Vec3;
      let dice = 0;
      let baseline = 0;
      for (const s of held) {
        const { image, labels } = await read(s);
        const byImage = centroidShift(image, templateVolume, options.threshold);
        dice += meanDice(templateLabels, labels, [byImage[0] + offset[0], byImage[1] + offset[1], byImage[2] + offset[2]]) / held.length;
        baseline += meanDice(templateLabels, labels, byImage) / held.length;
      }
      inputs.log(
        `offset ${offset.map((x) => x.toFixed(2)).join(', ')} mm; validation Dice ${dice.toFixed(3)} (no offset ${baseline.toFixed(3)})`,
      );
      await writeModelCard(inputs.outDir, {
        engine: 'centroid',
        config: { offsetMm: offset, threshold: options.threshold },
        templateImage: inputs.templateImage,
        templateLabels: inputs.templateLabels,
        subjects: { training: train.map((s) => s.id), validation: held.map((s) => s.id) },
        training: { backend: 'typed arrays (no tensors)', seconds: (performance.now() - started) / 1000 },
        validation: { dice, baselineDice: baseline },
      });
      return {
        modelDir: inputs.outDir,
        summary: `validation Dice ${dice.toFixed(3)} (no offset ${baseline.toFixed(3)}); model in ${inputs.outDir}`,
      };
    },
  },
});
