import path from 'node:path';
import { parse, required } from './args.js';
import { terminalProgress } from './progress-display.js';
import { trainGaussNewton } from '../learned/train-gn.js';
import { initTensorBackend } from '../tensor/backend.js';
import { LabelWarpError } from '../util/errors.js';

export const TRAIN_HELP = `labelwarp train — train a learned engine

Usage:
  labelwarp train gn --atlas-image A --atlas-labels AL --scans DIR [--scan-labels DIR]
                     --out MODEL_DIR [--iterations N] [--resume] [options]

Trains the Gauss-Newton engine's feature network (a small 3D CNN whose channels are added to
MIND-SSC) end to end through unrolled Gauss-Newton steps, with a Dice loss on the warped template
labels plus an image term. The last --validation-fraction of the labelled scans (sorted by name)
is held out; the model with the best validation Dice is kept in MODEL_DIR (model.json,
weights.bin), with log.csv, validation.csv, summary.json and checkpoint/ for --resume.
Use it with: labelwarp segment … --engine gn --option model=MODEL_DIR

  --scans DIR                folder of scans (label files in it are recognised and skipped)
  --scan-labels DIR          folder with their label maps (NAME_labels.nii.gz for NAME_image.nii.gz)
  --iterations N             training iterations (default 300)
  --learning-rate X          Adam step (default 0.003)
  --validation-fraction X    share of scans held out (default 0.2)
  --validate-every N         (default 50)      --checkpoint-every N   (default 25)
  --max-validation N         validation subjects scored (default 20)
  --steps N                  unrolled Gauss-Newton steps (default 4)
  --lambda X                 regularisation during training (default 0.02)
  --resume                   continue from MODEL_DIR/checkpoint
`;

export async function trainCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(
    args,
    {
      'atlas-image': { type: 'string' },
      'atlas-labels': { type: 'string' },
      scans: { type: 'string' },
      'scan-labels': { type: 'string' },
      out: { type: 'string' },
      iterations: { type: 'string' },
      'learning-rate': { type: 'string' },
      'validation-fraction': { type: 'string' },
      'validate-every': { type: 'string' },
      'checkpoint-every': { type: 'string' },
      'max-validation': { type: 'string' },
      steps: { type: 'string' },
      lambda: { type: 'string' },
      resume: { type: 'boolean' },
      quiet: { type: 'boolean' },
    },
    true,
  );
  if (values.help) {
    process.stdout.write(TRAIN_HELP);
    return 0;
  }
  if (positionals[0] !== 'gn') throw new LabelWarpError(`unknown engine to train "${positionals[0] ?? ''}"; available: gn`);
  const num = (name: string) => {
    const v = values[name];
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) throw new LabelWarpError(`--${name} expects a non-negative number, got "${String(v)}"`);
    return n;
  };
  const backend = await initTensorBackend();
  process.stderr.write(`tensor backend: ${backend.description}\n`);
  const progress = terminalProgress('train gn', process.stderr, Boolean(values.quiet));
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  try {
    const r = await trainGaussNewton({
      atlasImage: required(values, 'atlas-image'),
      atlasLabels: required(values, 'atlas-labels'),
      scansDir: required(values, 'scans'),
      scanLabelsDir: values['scan-labels'] as string | undefined,
      outDir: required(values, 'out'),
      iterations: num('iterations'),
      learningRate: num('learning-rate'),
      validationFraction: num('validation-fraction'),
      validateEvery: num('validate-every'),
      checkpointEvery: num('checkpoint-every'),
      maxValidation: num('max-validation'),
      steps: num('steps'),
      lambda: num('lambda'),
      resume: Boolean(values.resume),
      signal: controller.signal,
      onProgress: progress.onProgress,
      log: (line) => {
        progress.done();
        process.stdout.write(`${line}\n`);
      },
    });
    progress.done();
    process.stdout.write(
      `best validation Dice ${r.bestValidationDice.toFixed(4)} (MIND-SSC alone ${r.baselineValidationDice.toFixed(4)}); model in ${path.resolve(r.modelDir)}\n`,
    );
    return 0;
  } finally {
    process.off('SIGINT', stop);
  }
}
