/**
 * `labelwarp bench supervoxel`: on hippocampus scans held out from the supervoxel model's training
 * and model selection, `supervoxel` beside `affine`, `gn` (learned features), `student` (where its
 * bundled model is) and elastix: Dice, HD95, % det J ≤ 0 and registration seconds, plus the
 * supervoxel step's parts (prediction, keypoint matching, densification) against gn's time.
 */
import path from 'node:path';
import { existsSync } from 'node:fs';
import { initTensorBackend } from '../tensor/backend.js';
import { RESOURCES } from '../cli/sample-data.js';
import { fmt, mean, report } from './report.js';
import { elastixRow, evaluateRows, heldOutSet, heldOutTitle, SCORE_HEADER, scoreTable } from './held-out.js';
import type { EngineRow } from './held-out.js';
import { keyValues } from '../cli/args.js';
import { bundledModel } from '../models/bundled.js';

export async function supervoxelBench(values: Record<string, unknown>): Promise<number> {
  const modelDir = (values.model as string | undefined) ?? bundledModel('supervoxel-hippocampus');
  const set = await heldOutSet('supervoxel', modelDir, values);
  const backend = await initTensorBackend();
  const rows: EngineRow[] = [
    // --option key=value: options of the supervoxel engine (e.g. keypoint settings).
    { label: 'supervoxel', engine: 'supervoxel', options: { ...keyValues(values.option), model: modelDir } },
    { label: 'gn (learned features)', engine: 'gn', options: { model: path.join(RESOURCES, 'models', 'gn-hippocampus') } },
    { label: 'affine', engine: 'affine', options: {} },
  ];
  if (existsSync(path.join(bundledModel('student-hippocampus'), 'model.json')))
    rows.push({ label: 'student', engine: 'student', options: {} });
  const elastix = elastixRow(values);
  if (elastix) rows.push(elastix);
  const parts = { predict: [] as number[], match: [] as number[], densify: [] as number[], affine: [] as number[] };
  const results = await evaluateRows(set, rows, {
    onMetrics(row, m) {
      if (row.engine !== 'supervoxel') return;
      const d = m.details ?? {};
      parts.predict.push(Number(d['supervoxel.predictSeconds']));
      parts.match.push(Number(d['supervoxel.matchSeconds']));
      parts.densify.push(Number(d['supervoxel.densifySeconds']));
      parts.affine.push(
        m.registrationSeconds -
          Number(d['supervoxel.predictSeconds']) -
          Number(d['supervoxel.matchSeconds']) -
          Number(d['supervoxel.densifySeconds']),
      );
    },
  });
  const gn = results[1];
  const inference = mean(parts.predict) + mean(parts.match) + mean(parts.densify);
  const notes = [
    `supervoxel − gn mean Dice ${fmt(mean(results[0].dice) - mean(gn.dice))}; supervoxel inference (prediction ${fmt(mean(parts.predict), 2)} s + keypoints ${fmt(mean(parts.match), 2)} s + densification ${fmt(mean(parts.densify), 2)} s = ${fmt(inference, 2)} s) / gn registration ${fmt(mean(gn.s), 2)} s = ${fmt(inference / mean(gn.s), 2)}; its affine pre-alignment ${fmt(mean(parts.affine), 2)} s`,
    'seconds: registration only (affine pre-alignment included; reading excluded); elastix: the elastix call.',
  ];
  await report(
    'supervoxel',
    heldOutTitle('supervoxel', set, backend.description),
    SCORE_HEADER,
    scoreTable(rows, results),
    notes,
    values.markdown as string | undefined,
  );
  return 0;
}
