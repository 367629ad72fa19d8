/**
 * `labelwarp bench supervoxel`: on hippocampus scans held out from the supervoxel model's training
 * and model selection, `supervoxel` beside `affine`, `gn` (learned features), `student` (where its
 * bundled model is) and elastix: Dice, HD95, % det J ≤ 0 and registration seconds, plus the
 * supervoxel step's parts (prediction, keypoint matching, densification) against gn's time.
 */
import path from 'node:path';
import { existsSync } from 'node:fs';
import { readVolume } from '../volume/io.js';
import { segmentScan } from '../pipeline/segment.js';
import { initTensorBackend } from '../tensor/backend.js';
import { LabelWarpError } from '../util/errors.js';
import { RESOURCES, sharedDataDir } from '../cli/sample-data.js';
import { readModelCard } from '../models/model-format.js';
import { fmt, mean, machineLine, report } from './report.js';
import { ensureElastix, runElastix } from './elastix.js';
import { BUNDLED_SUPERVOXEL } from '../engines/supervoxel/index.js';
import { BUNDLED_STUDENT } from '../engines/student/index.js';

interface Row {
  label: string;
  engine?: string;
  options?: Record<string, unknown>;
  elastix?: boolean;
}

export async function supervoxelBench(values: Record<string, unknown>): Promise<number> {
  const modelDir = (values.model as string | undefined) ?? BUNDLED_SUPERVOXEL;
  const dir = path.join((values.data as string | undefined) ?? sharedDataDir(), 'hippocampus');
  const card = await readModelCard(modelDir, 'supervoxel');
  const recorded = card.validation.scoredSubjects;
  const scored = new Set(Array.isArray(recorded) ? (recorded as string[]) : []);
  let test = card.subjects.validation.filter((s) => !scored.has(s) && !card.subjects.training.includes(s));
  if (test.length === 0) throw new LabelWarpError('the model records no held-out subjects outside model selection', modelDir);
  if (values.pairs) test = test.slice(0, Number(values.pairs));
  const backend = await initTensorBackend();
  const atlasImageFile = path.join(dir, card.template.image.file);
  const atlasLabelsFile = path.join(dir, card.template.labels?.file ?? card.template.image.file.replace('_image', '_labels'));
  const atlasImage = await readVolume(atlasImageFile, 'image');
  const atlasLabels = await readVolume(atlasLabelsFile, 'labels');
  const rows: Row[] = [
    { label: 'supervoxel', engine: 'supervoxel', options: { model: modelDir } },
    { label: 'gn (learned features)', engine: 'gn', options: { model: path.join(RESOURCES, 'models', 'gn-hippocampus') } },
    { label: 'affine', engine: 'affine', options: {} },
  ];
  if (existsSync(path.join(BUNDLED_STUDENT, 'model.json'))) rows.push({ label: 'student', engine: 'student', options: {} });
  const elastixVersion = values['no-elastix'] ? undefined : ensureElastix();
  if (elastixVersion) rows.push({ label: `elastix ${elastixVersion} (affine + B-spline)`, elastix: true });
  const results = rows.map(() => ({ dice: [] as number[], hd: [] as number[], fold: [] as number[], s: [] as number[] }));
  const parts = { predict: [] as number[], match: [] as number[], densify: [] as number[], affine: [] as number[], runtime: '' };
  for (const id of test) {
    const scanFile = path.join(dir, `${id}_image.nii.gz`);
    const scan = await readVolume(scanFile, 'image');
    const scanLabels = await readVolume(path.join(dir, `${id}_labels.nii.gz`), 'labels');
    for (const [i, row] of rows.entries()) {
      const r = results[i];
      if (row.elastix) {
        const e = await runElastix(
          scanFile,
          atlasImageFile,
          atlasLabelsFile,
          scanLabels,
          ['affine.txt', 'bspline.txt'].map((f) => path.join(RESOURCES, 'elastix', f)),
          true,
        );
        r.dice.push(e.meanDice);
        if (e.meanHd95 !== null) r.hd.push(e.meanHd95);
        r.fold.push(e.deformation?.nonPositiveJacobianPercent ?? 0);
        r.s.push(e.seconds);
        continue;
      }
      const m = (
        await segmentScan(
          { templateImage: atlasImage, templateLabels: atlasLabels, scan, scanLabels, names: { templateImage: atlasImageFile } },
          { engine: row.engine!, engineOptions: row.options },
        )
      ).metrics;
      r.dice.push(m.meanDice!);
      if (m.meanHd95 !== null && m.meanHd95 !== undefined) r.hd.push(m.meanHd95);
      r.fold.push(m.nonPositiveJacobianPercent);
      r.s.push(m.registrationSeconds);
      if (row.engine === 'supervoxel') {
        const d = m.details ?? {};
        parts.predict.push(Number(d['supervoxel.predictSeconds']));
        parts.match.push(Number(d['supervoxel.matchSeconds']));
        parts.densify.push(Number(d['supervoxel.densifySeconds']));
        parts.runtime = `${d['supervoxel.runtime']}/${d['supervoxel.device']}`;
        parts.affine.push(
          m.registrationSeconds -
            Number(d['supervoxel.predictSeconds']) -
            Number(d['supervoxel.matchSeconds']) -
            Number(d['supervoxel.densifySeconds']),
        );
      }
    }
    process.stderr.write(`${id}: ${rows.map((row, i) => `${row.label} ${fmt(results[i].dice.at(-1))}`).join(', ')}\n`);
  }
  const table = rows.map((row, i) => {
    const r = results[i];
    return [
      row.label + (row.engine === 'supervoxel' ? ` [${parts.runtime}]` : ''),
      fmt(mean(r.dice)),
      fmt(mean(r.hd), 2),
      fmt(mean(r.fold), 3),
      fmt(mean(r.s), 2),
    ];
  });
  const gn = results[1];
  const inference = mean(parts.predict) + mean(parts.match) + mean(parts.densify);
  const notes = [
    `supervoxel − gn mean Dice ${fmt(mean(results[0].dice) - mean(gn.dice))}; supervoxel inference (prediction ${fmt(mean(parts.predict), 2)} s + keypoints ${fmt(mean(parts.match), 2)} s + densification ${fmt(mean(parts.densify), 2)} s = ${fmt(inference, 2)} s) / gn registration ${fmt(mean(gn.s), 2)} s = ${fmt(inference / mean(gn.s), 2)}; its affine pre-alignment ${fmt(mean(parts.affine), 2)} s`,
    'seconds: registration only (affine pre-alignment included; reading excluded); elastix: the elastix call.',
  ];
  await report(
    'supervoxel',
    `Benchmark supervoxel: template ${card.template.image.file.replace('_image.nii.gz', '')} → ${test.length} hippocampus scans held out from training and model selection, model ${path.relative(process.cwd(), modelDir) || modelDir}, ${new Date().toISOString().slice(0, 10)}, ${machineLine(backend.description)}`,
    ['engine', 'Dice', 'HD95 mm', '%detJ≤0', 'reg s'],
    table,
    notes,
    values.markdown as string | undefined,
  );
  return 0;
}
