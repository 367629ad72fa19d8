import path from 'node:path';
import type { SegmentResult, SegmentFiles } from '../pipeline/segment.js';
import { segmentToFolder } from '../pipeline/segment-to-folder.js';
import { terminalProgress } from './progress-display.js';
import { parse, required, keyValues, templateFlag, TEMPLATE_FLAGS } from './args.js';
import { listEngines } from '../engines/index.js';

/** The engine when --engine is not given. */
export const DEFAULT_ENGINE = 'gn';

export const SEGMENT_HELP = `labelwarp segment — carry a template's labels onto a scan

Usage:
  labelwarp segment --template-image T --template-labels TL --scan S [--scan-labels SL]
                    [--engine NAME] [--option key=value …] --out DIR

  --template-image FILE   template image: .nii, .nii.gz, .nrrd or .mha (alias: --atlas-image)
  --template-labels FILE  template label map on the template image's grid (alias: --atlas-labels)
  --scan FILE|DIR       the scan to segment: an image file or a DICOM series folder (one per
                        call; for many scans: labelwarp cohort run --scans DIR)
  --scan-labels FILE    reference labels of the scan (optional): enables Dice and HD95
  --engine NAME         registration engine (default: gn); see 'labelwarp engines'
  --option key=value    an engine option (repeatable), e.g. --option levels=3
  --model DIR           a trained model for the engine (same as --option model=DIR)
  --out DIR             result folder, replaced as a whole: labels.nii.gz (template labels on
                        the scan's grid), warped-template.nii, grid.nii.gz, transform.json
                        (+ transform.tfm for affines), displacement.nii and jacobian.nii for
                        deformable engines, metrics.json; a folder holding other files is refused
  --quiet               no progress display
`;

/** Reads the inputs, runs the pipeline, writes the outputs: shared by `segment`, `demo` and `bench`. */
export async function segmentFiles(
  files: SegmentFiles,
  engine: string,
  engineOptions: Record<string, unknown>,
  outDir: string,
  opts: { quiet?: boolean; label?: string; signal?: AbortSignal; startSeconds?: number } = {},
): Promise<SegmentResult> {
  const progress = terminalProgress(opts.label ?? path.basename(files.scan), process.stderr, opts.quiet);
  try {
    const { result } = await segmentToFolder(files, outDir, {
      engine,
      engineOptions,
      onProgress: progress.onProgress,
      signal: opts.signal,
      startSeconds: opts.startSeconds,
    });
    return result;
  } finally {
    progress.done();
  }
}

export async function segmentCommand(args: string[]): Promise<number> {
  // performance.now() counts from the start of the process.
  const startSeconds = performance.now() / 1000;
  const { values } = parse(args, {
    ...TEMPLATE_FLAGS,
    scan: { type: 'string' },
    'scan-labels': { type: 'string' },
    engine: { type: 'string', default: DEFAULT_ENGINE },
    option: { type: 'string', multiple: true },
    model: { type: 'string' },
    out: { type: 'string' },
    quiet: { type: 'boolean' },
  });
  if (values.help) {
    process.stdout.write(
      SEGMENT_HELP +
        `\nEngines: ${listEngines()
          .map((e) => e.name)
          .join(', ')}\n`,
    );
    return 0;
  }
  const files: SegmentFiles = {
    templateImage: templateFlag(values, 'image')!,
    templateLabels: templateFlag(values, 'labels')!,
    scan: required(values, 'scan'),
    scanLabels: values['scan-labels'] as string | undefined,
  };
  const out = required(values, 'out');
  const engineOptions: Record<string, unknown> = keyValues(values.option);
  if (values.model) engineOptions.model = values.model;
  const result = await segmentFiles(files, values.engine as string, engineOptions, out, { quiet: Boolean(values.quiet), startSeconds });
  const m = result.metrics;
  const parts = [`engine ${m.engine}`, `${m.seconds.toFixed(1)} s`, `backend ${m.backend}`];
  if (m.meanDice !== undefined)
    parts.unshift(
      `mean Dice ${m.meanDice.toFixed(3)} over ${m.labels?.length ?? 0} labels`,
      `mean HD95 ${m.meanHd95?.toFixed(2) ?? 'n/a'} mm`,
    );
  process.stdout.write(`${parts.join(', ')}\nwrote ${path.resolve(out)}\n`);
  for (const w of m.warnings) process.stdout.write(`warning: ${w}\n`);
  return 0;
}
