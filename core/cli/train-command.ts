/** `labelwarp train ENGINE …`: dispatches to the engine's trainer through the registry. */
import { parse, required, templateFlag, TEMPLATE_FLAGS } from './args.js';
import type { OptionsConfig } from './args.js';
import { terminalProgress } from './progress-display.js';
import { getEngineDefinition, trainableEngines, trainEngine, describeOptions } from '../engines/index.js';
import type { EngineTrainer } from '../engines/index.js';
import { initTensorBackend } from '../tensor/backend.js';
import { LabelWarpError } from '../util/errors.js';

const COMMON = `  --template-image FILE  template image the model is trained for (alias: --atlas-image)
  --template-labels FILE its label map (alias: --atlas-labels)
  --scans DIR            folder of training scans (label files in it are recognised and skipped)
  --scan-labels DIR      folder with their label maps (NAME_labels.nii.gz for NAME_image.nii.gz)
  --out MODEL_DIR        the model folder (model.json in the common format, weights, logs)
  --resume               continue from MODEL_DIR/checkpoint
  --quiet                no progress display`;

export function trainHelp(): string {
  const names = trainableEngines().map((e) => e.name);
  return `labelwarp train — train a learned engine

Usage:
  labelwarp train ENGINE --template-image T --template-labels TL --scans DIR [--scan-labels DIR]
                         --out MODEL_DIR [--resume] [engine training options]

Trainable engines: ${names.join(', ') || 'none'} (labelwarp train ENGINE --help for its options)

${COMMON}
`;
}

const kebab = (name: string) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

function engineHelp(name: string, trainer: EngineTrainer): string {
  const lines = describeOptions(trainer.options).map((o) => {
    const flag = `--${kebab(o.name)}${o.type === 'boolean' ? '' : o.type === 'integer' ? ' N' : ' X'}`;
    return `  ${flag.padEnd(22)} ${o.description} (default ${JSON.stringify(o.default)})`;
  });
  return `labelwarp train ${name} — train the ${name} engine

Usage:
  labelwarp train ${name} --template-image T --template-labels TL --scans DIR [--scan-labels DIR]
                  --out MODEL_DIR [--resume] [options]

${trainer.help}

${COMMON}
${lines.join('\n')}
`;
}

export async function trainCommand(args: string[]): Promise<number> {
  const name = args[0] && !args[0].startsWith('-') ? args[0] : undefined;
  if (!name) {
    if (args.includes('--help') || args.includes('-h')) {
      process.stdout.write(trainHelp());
      return 0;
    }
    throw new LabelWarpError(
      `name the engine to train: labelwarp train ENGINE (trainable: ${trainableEngines()
        .map((e) => e.name)
        .join(', ')})`,
    );
  }
  const trainer = getEngineDefinition(name).trainer;
  if (!trainer)
    throw new LabelWarpError(
      `engine "${name}" cannot be trained; trainable: ${
        trainableEngines()
          .map((e) => e.name)
          .join(', ') || 'none'
      }`,
    );
  // Boolean options are bare flags (--cycle); the others take a value.
  const engineFlags = Object.fromEntries(
    Object.entries(trainer.options).map(([k, o]) => [kebab(k), { type: o.type === 'boolean' ? 'boolean' : 'string' }]),
  ) as OptionsConfig;
  const { values } = parse(args.slice(1), {
    ...engineFlags,
    ...TEMPLATE_FLAGS,
    scans: { type: 'string' },
    'scan-labels': { type: 'string' },
    out: { type: 'string' },
    resume: { type: 'boolean' },
    quiet: { type: 'boolean' },
  });
  if (values.help) {
    process.stdout.write(engineHelp(name, trainer));
    return 0;
  }
  const options = Object.fromEntries(
    Object.keys(trainer.options)
      .filter((k) => values[kebab(k)] !== undefined)
      .map((k) => [k, values[kebab(k)]]),
  );
  const inputs = {
    templateImage: templateFlag(values, 'image')!,
    templateLabels: templateFlag(values, 'labels')!,
    scansDir: required(values, 'scans'),
    scanLabelsDir: values['scan-labels'] as string | undefined,
    outDir: required(values, 'out'),
    resume: Boolean(values.resume),
  };
  process.stderr.write(`tensor backend: ${(await initTensorBackend()).description}\n`);
  const progress = terminalProgress(`train ${name}`, process.stderr, Boolean(values.quiet));
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  try {
    const r = await trainEngine(
      name,
      {
        ...inputs,
        signal: controller.signal,
        onProgress: progress.onProgress,
        log: (line) => {
          progress.done();
          process.stdout.write(`${line}\n`);
        },
      },
      options,
    );
    progress.done();
    process.stdout.write(`${r.summary}\n`);
    return 0;
  } finally {
    process.off('SIGINT', stop);
  }
}
