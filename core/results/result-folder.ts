/**
 * The result folder of one segmentation: its file names, writing it as a whole (see
 * commit-folder.ts: a run killed while writing leaves the previous result, never a mix), and
 * reading it back. Used by `segment`, `demo`, `bench`, `teach`, the engine host and the app.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { compactLabels } from '../volume/io.js';
import { writeNifti } from '../volume/nifti-writer.js';
import { createVolume, gridOf } from '../volume/volume.js';
import type { Grid, Volume } from '../volume/volume.js';
import { AffineTransform, CompositeTransform, affineToItkText } from '../registration/transform.js';
import type { SpatialTransform } from '../registration/transform.js';
import { LabelWarpError } from '../util/errors.js';
import { commitFolder, prepareFolder } from './commit-folder.js';
import type { SegmentResult } from '../pipeline/segment.js';
import { exists } from '../util/exists.js';

/**
 * File of each part (NIfTI-1, written as ITK writes it: see nifti-writer.ts). Float volumes (the
 * displacement, the Jacobian and the warped template) are stored uncompressed: gzip shrinks the
 * fields by about a tenth and the warped template by about a fifth, at a third of a second of
 * both cores per 1 mm brain; label maps and the grid layer compress well and cheaply.
 */
export const RESULT_FILES = {
  labels: 'labels.nii.gz',
  warpedTemplate: 'warped-template.nii',
  transform: 'transform.json',
  transformItk: 'transform.tfm',
  displacement: 'displacement.nii',
  jacobian: 'jacobian.nii',
  grid: 'grid.nii.gz',
  metrics: 'metrics.json',
} as const;

export type ResultPart = keyof typeof RESULT_FILES;

/** What a result folder holds; every part but the transform and the metrics is optional. */
export interface ResultContent {
  /** The scan's grid: every volume below lies on it. */
  grid: Grid;
  /** Template labels on the scan grid. */
  labels?: ArrayLike<number>;
  /** Template image on the scan grid. */
  warpedTemplate?: Float32Array;
  transform: SpatialTransform;
  /** u(x) = T(x) − x, LPS mm, interleaved (ITK/ANTs displacement convention). */
  displacementMm?: Float32Array;
  /** The same field component by component (NIfTI's order), where the pipeline made it: written as is. */
  displacementByComponent?: Float32Array;
  /** Jacobian determinant of x ↦ T(x). */
  jacobian?: Float32Array;
  /** A grid pattern on the template carried onto the scan (0/1). */
  gridLayer?: Uint8Array;
  /** metrics.json; written last. */
  metrics: object;
}

export function resultFile(dir: string, part: ResultPart): string {
  return path.join(dir, RESULT_FILES[part]);
}

/** Names that parts had in earlier versions, newest first (read where the current name is missing). */
const LEGACY_NAMES: Partial<Record<ResultPart, string[]>> = { warpedTemplate: ['warped-template.nii.gz', 'warped-atlas.nii.gz'] };

/** The file of a part in a folder written by this or an earlier version (the current name when neither exists). */
export async function existingResultFile(dir: string, part: ResultPart): Promise<string> {
  const file = resultFile(dir, part);
  if (await exists(file)) return file;
  for (const legacy of LEGACY_NAMES[part] ?? []) {
    const old = path.join(dir, legacy);
    if (await exists(old)) return old;
  }
  return file;
}

const OWN_NAMES = new Set<string>(Object.values(RESULT_FILES));
// Files of earlier LabelWarp versions: the gzip-compressed fields and per-file temporary names.
const LEGACY = [
  /^displacement\.nii\.gz$/,
  /^jacobian\.nii\.gz$/,
  /^warped-template\.nii\.gz$/,
  /^warped-atlas\.nii\.gz$/,
  /^\..+\.tmp-\d+-[0-9a-f]+(\.[a-z.]+)?$/,
];

/** Whether an entry of a result folder belongs to a LabelWarp result (the rest is never replaced). */
export function isResultEntry(name: string): boolean {
  return OWN_NAMES.has(name) || LEGACY.some((re) => re.test(name));
}

/**
 * Checks before a run that `dir` can receive a result (recovering an interrupted commit), so that
 * a folder holding other files is refused before any work is done.
 */
export function prepareResultFolder(dir: string): Promise<void> {
  return prepareFolder(dir, isResultEntry);
}

/** The affine of a transform that is one affine (exported as an ITK transform file). */
function affinePart(t: SpatialTransform): AffineTransform | undefined {
  if (t instanceof AffineTransform) return t;
  if (t instanceof CompositeTransform && t.transforms.length === 1) return affinePart(t.transforms[0]);
  return undefined;
}

const json = (value: unknown) => JSON.stringify(value, null, 2) + '\n';

/**
 * Writes every part of a result into the folder `dir` (which exists and is not yet visible under
 * its final name: callers commit it as a whole); metrics.json is written last. Returns the file names.
 */
export async function writeResultParts(dir: string, content: ResultContent): Promise<string[]> {
  const grid = gridOf(content.grid);
  const parts: [ResultPart, (file: string) => Promise<void>][] = [];
  const volume = (part: ResultPart, data: ArrayLike<number> | undefined, make: (d: ArrayLike<number>) => Volume) => {
    if (data) parts.push([part, (file) => writeNifti(file, make(data))]);
  };
  volume('labels', content.labels, (d) => createVolume(grid, compactLabels(d)));
  volume('warpedTemplate', content.warpedTemplate, (d) => createVolume(grid, d as Float32Array));
  if (content.displacementMm) {
    const field = createVolume(grid, content.displacementMm, 3);
    const byComponent = content.displacementByComponent;
    parts.push(['displacement', (file) => writeNifti(file, field, { byComponent })]);
  }
  volume('jacobian', content.jacobian, (d) => createVolume(grid, d as Float32Array));
  volume('grid', content.gridLayer, (d) => createVolume(grid, d as Uint8Array));
  const affine = affinePart(content.transform);
  if (affine) parts.push(['transformItk', (file) => fs.writeFile(file, affineToItkText(affine))]);
  const transformDoc = {
    convention: 'maps scan (fixed) world points to template (moving) world points; LPS millimetres',
    transform: content.transform.describe(),
  };
  parts.push(['transform', (file) => fs.writeFile(file, json(transformDoc))]);
  // The files are written concurrently (compression runs on Node's thread pool).
  await Promise.all(parts.map(([part, write]) => write(resultFile(dir, part))));
  await fs.writeFile(resultFile(dir, 'metrics'), json(content.metrics));
  return [...parts.map(([part]) => RESULT_FILES[part]), RESULT_FILES.metrics];
}

/** Writes the result into `dir` as a whole, replacing what was there; returns the files' paths. */
export async function writeResultFolder(dir: string, content: ResultContent): Promise<string[]> {
  let names: string[] = [];
  await commitFolder(dir, isResultEntry, async (staging) => {
    names = await writeResultParts(staging, content);
  });
  return names.map((n) => path.join(dir, n));
}

/** The content of a segmentation's result folder; `extra` goes into metrics.json beside the metrics. */
export function segmentResultContent(result: SegmentResult, extra: Record<string, unknown> = {}): ResultContent {
  return {
    grid: result.labels,
    labels: result.labels.data,
    warpedTemplate: result.warpedTemplate.data as Float32Array,
    transform: result.transform,
    displacementMm: result.displacementMm,
    displacementByComponent: result.displacementByComponent,
    jacobian: result.jacobian,
    gridLayer: result.gridLayer,
    metrics: { ...extra, ...result.metrics },
  };
}

/** Writes a segmentation's result folder; `extra` goes into metrics.json beside the metrics. */
export function writeSegmentResult(dir: string, result: SegmentResult, extra: Record<string, unknown> = {}): Promise<string[]> {
  return writeResultFolder(dir, segmentResultContent(result, extra));
}

/** Reads metrics.json of a result folder (a missing or damaged file is an error naming it). */
export async function readResultMetrics<T = Record<string, unknown>>(dir: string): Promise<T> {
  const file = resultFile(dir, 'metrics');
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch {
    throw new LabelWarpError('is missing: not a LabelWarp result folder', file);
  }
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new LabelWarpError('is not valid JSON', file);
  }
}
