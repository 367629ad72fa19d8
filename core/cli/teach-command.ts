import path from 'node:path';
import { parse, required, keyValues, templateFlag, TEMPLATE_FLAGS } from './args.js';
import { terminalProgress } from './progress-display.js';
import { listScans } from '../learned/dataset.js';
import { exportTeacherFields } from '../learned/teacher-fields.js';

export const TEACH_HELP = `labelwarp teach — export teacher deformations for the learned engines

Usage:
  labelwarp teach --template-image T [--template-labels TL] --scans DIR --out DIR
                  [--engine gn] [--model MODEL_DIR] [--option key=value …]

For every scan in DIR, registers the template to it (Gauss-Newton by default) and writes
OUT/<scan id>/, a result folder written as a whole: displacement.nii, the whole template-to-scan
mapping (affine and deformable) as u(x) = T(x) − x on the scan's grid, 3 components in LPS
millimetres (ITK/ANTs convention: a scan point x corresponds to template point x + u(x));
transform.json; labels.nii.gz when --template-labels is given; metrics.json (engine, seconds,
warnings). Finished scans (with metrics.json) are skipped, so an interrupted run resumes where it
stopped. A scan that fails is reported and the others go on. --atlas-image and --atlas-labels
are aliases of --template-image and --template-labels.
`;

export async function teachCommand(args: string[]): Promise<number> {
  const { values } = parse(args, {
    ...TEMPLATE_FLAGS,
    scans: { type: 'string' },
    out: { type: 'string' },
    engine: { type: 'string', default: 'gn' },
    model: { type: 'string' },
    option: { type: 'string', multiple: true },
    quiet: { type: 'boolean' },
  });
  if (values.help) {
    process.stdout.write(TEACH_HELP);
    return 0;
  }
  const templatePath = templateFlag(values, 'image')!;
  const out = required(values, 'out');
  const engine = values.engine as string;
  const engineOptions: Record<string, unknown> = keyValues(values.option);
  if (values.model) engineOptions.model = values.model;
  const scans = await listScans(required(values, 'scans'), undefined, [templatePath]);
  const { done, skipped, failed } = await exportTeacherFields({
    templateImage: templatePath,
    templateLabels: templateFlag(values, 'labels', true),
    scans,
    out,
    engine,
    engineOptions,
    progress: (label) => terminalProgress(label, process.stderr, Boolean(values.quiet)),
    log: (line) => process.stderr.write(`${line}\n`),
  });
  process.stdout.write(`teacher fields: ${done} written, ${skipped} already done, ${failed} failed; in ${path.resolve(out)}\n`);
  return failed > 0 ? 1 : 0;
}
