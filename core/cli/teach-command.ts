import path from 'node:path';
import { promises as fs } from 'node:fs';
import { parse, required, keyValues } from './args.js';
import { terminalProgress } from './progress-display.js';
import { readVolume } from '../volume/io.js';
import { gridOf } from '../volume/volume.js';
import { registerScan } from '../pipeline/register.js';
import { segmentMemory } from '../pipeline/segment-memory.js';
import { evaluateOnGrid } from '../registration/transform.js';
import { sampleAtCoordinates } from '../kernels/resample.js';
import { listScans } from '../learned/dataset.js';
import { resultFile, writeResultFolder } from '../results/result-folder.js';
import { describeError } from '../util/errors.js';

export const TEACH_HELP = `labelwarp teach — export teacher deformations for the learned engines

Usage:
  labelwarp teach --atlas-image A [--atlas-labels AL] --scans DIR --out DIR
                  [--engine gn] [--model MODEL_DIR] [--option key=value …]

For every scan in DIR, registers the template to it (Gauss-Newton by default) and writes
OUT/<scan id>/, a result folder written as a whole: displacement.nii, the whole template-to-scan
mapping (affine and deformable) as u(x) = T(x) − x on the scan's grid, 3 components in LPS
millimetres (ITK/ANTs convention: a scan point x corresponds to template point x + u(x));
transform.json; labels.nii.gz when --atlas-labels is given; metrics.json (engine, seconds,
warnings). Finished scans (with metrics.json) are skipped, so an interrupted run resumes where it
stopped. A scan that fails is reported and the others go on.
`;

export async function teachCommand(args: string[]): Promise<number> {
  const { values } = parse(args, {
    'atlas-image': { type: 'string' },
    'atlas-labels': { type: 'string' },
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
  const atlasPath = required(values, 'atlas-image');
  const out = required(values, 'out');
  const engine = values.engine as string;
  const engineOptions: Record<string, unknown> = keyValues(values.option);
  if (values.model) engineOptions.model = values.model;
  const atlasImage = await readVolume(atlasPath, 'image');
  const atlasLabels = values['atlas-labels'] ? await readVolume(values['atlas-labels'] as string, 'labels') : undefined;
  const scans = await listScans(required(values, 'scans'), undefined, [atlasPath]);
  let done = 0;
  let skipped = 0;
  let failed = 0;
  for (const [i, scan] of scans.entries()) {
    const dir = path.join(out, scan.id);
    // done.json: the marker of folders written by earlier versions.
    const finished = await Promise.all(
      [resultFile(dir, 'metrics'), path.join(dir, 'done.json')].map((f) => fs.stat(f).catch(() => undefined)),
    );
    if (finished.some(Boolean)) {
      skipped++;
      continue;
    }
    const progress = terminalProgress(`[${i + 1}/${scans.length}] ${scan.id}`, process.stderr, Boolean(values.quiet));
    try {
      const image = await readVolume(scan.image, 'image');
      const r = await registerScan(image, atlasImage, {
        engine,
        engineOptions,
        onProgress: progress.onProgress,
        templateFile: atlasPath,
        callerBytes: segmentMemory(image),
      });
      const grid = gridOf(image);
      const evaluated = evaluateOnGrid(r.transform, grid, { displacement: true, source: atlasLabels ? atlasImage : undefined });
      await writeResultFolder(dir, {
        grid,
        labels: atlasLabels ? sampleAtCoordinates(atlasLabels, grid, evaluated.sourceIndex!, 'label-linear').data : undefined,
        transform: r.transform,
        displacementMm: evaluated.displacementMm,
        metrics: { scan: path.resolve(scan.image), engine, seconds: r.seconds, warnings: r.warnings, finishedAt: new Date().toISOString() },
      });
      done++;
    } catch (err) {
      failed++;
      process.stderr.write(`${scan.id}: failed: ${describeError(err)}\n`);
    } finally {
      progress.done();
    }
  }
  process.stdout.write(`teacher fields: ${done} written, ${skipped} already done, ${failed} failed; in ${path.resolve(out)}\n`);
  return failed > 0 ? 1 : 0;
}
