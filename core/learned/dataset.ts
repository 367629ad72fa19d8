/**
 * Training and validation pairs for learned registration: the template pre-aligned (affine) onto
 * each scan's grid, with normalised images and one-hot labels, prepared once and cached in memory.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { readVolume, isSupportedVolumeFile } from '../volume/io.js';
import { gridOf, createVolume } from '../volume/volume.js';
import type { Grid, Volume } from '../volume/volume.js';
import { registerAffine } from '../registration/affine.js';
import { resampleAffine } from '../kernels/resample.js';
import { normalizeRobust } from '../kernels/intensity.js';
import { LabelWarpError } from '../util/errors.js';

export interface ScanEntry {
  id: string;
  image: string;
  labels?: string;
}

export interface PreparedPair {
  id: string;
  grid: Grid;
  fixedImage: Float32Array;
  movingImage: Float32Array;
  /** One-hot (fixed) and interpolated one-hot (moving) label channels, channel fastest; label order = `labels`. */
  fixedOneHot?: Float32Array;
  movingOneHot: Float32Array;
  fixedLabels?: Int32Array;
  /** Template labels on the scan grid (after the affine), for scoring. */
  movingLabels: Int32Array;
  labels: number[];
}

const LABEL_WORD = /label|seg|mask/i;

/** Scans in a folder (images only) and their label maps, matched by name. */
export async function listScans(scansDir: string, labelsDir?: string, exclude: string[] = []): Promise<ScanEntry[]> {
  let files: string[];
  try {
    files = (await fs.readdir(scansDir)).sort();
  } catch {
    throw new LabelWarpError('folder not found', scansDir);
  }
  const excluded = new Set(exclude.map((f) => path.resolve(f)));
  const labelFiles = new Set(labelsDir ? await fs.readdir(labelsDir).catch(() => [] as string[]) : []);
  const out: ScanEntry[] = [];
  for (const f of files) {
    if (!isSupportedVolumeFile(f) || LABEL_WORD.test(f)) continue;
    const image = path.join(scansDir, f);
    if (excluded.has(path.resolve(image))) continue;
    const id = f.replace(/\.(nii\.gz|nii|nrrd|nhdr|mha|mhd)$/i, '').replace(/_(image|t1|img)$/i, '');
    let labels: string | undefined;
    if (labelsDir) {
      const candidates = [f.replace(/_(image|t1|img)(?=\.)/i, '_labels'), `${id}_labels.nii.gz`, f];
      const hit = candidates.find((c) => labelFiles.has(c) && (labelsDir !== scansDir || c !== f));
      if (hit) labels = path.join(labelsDir, hit);
    }
    out.push({ id, image, labels });
  }
  if (out.length === 0) throw new LabelWarpError('holds no scans (.nii, .nii.gz, .nrrd, .mha)', scansDir);
  return out;
}

export function labelSet(labels: ArrayLike<number>): number[] {
  const s = new Set<number>();
  for (let i = 0; i < labels.length; i++) if (labels[i] !== 0) s.add(labels[i]);
  return [...s].sort((a, b) => a - b);
}

function oneHot(labels: ArrayLike<number>, classes: number[]): Float32Array {
  const L = classes.length;
  const index = new Map(classes.map((c, i) => [c, i]));
  const out = new Float32Array(labels.length * L);
  for (let v = 0; v < labels.length; v++) {
    const i = index.get(labels[v]);
    if (i !== undefined) out[v * L + i] = 1;
  }
  return out;
}

export async function preparePair(
  templateImage: Volume,
  templateLabels: Volume,
  scan: ScanEntry,
  classes: number[],
): Promise<PreparedPair> {
  const image = await readVolume(scan.image, 'image');
  const fixedLabels = scan.labels ? ((await readVolume(scan.labels, 'labels')).data as Int32Array) : undefined;
  const affine = await registerAffine(image, templateImage, { iterations: [100, 60, 30] });
  const grid = gridOf(image);
  const moving = resampleAffine(templateImage, grid, 'linear', affine.matrix);
  const movingLabels = resampleAffine(templateLabels, grid, 'label-linear', affine.matrix).data as Int32Array;
  const L = classes.length;
  const n = moving.data.length;
  const movingOneHot = new Float32Array(n * L);
  classes.forEach((c, i) => {
    const indicator = createVolume(
      gridOf(templateLabels),
      Float32Array.from(templateLabels.data, (x) => (x === c ? 1 : 0)),
    );
    const r = resampleAffine(indicator, grid, 'linear', affine.matrix).data;
    for (let v = 0; v < n; v++) movingOneHot[v * L + i] = r[v];
  });
  return {
    id: scan.id,
    grid,
    fixedImage: normalizeRobust(image.data),
    movingImage: normalizeRobust(moving.data),
    fixedOneHot: fixedLabels ? oneHot(fixedLabels, classes) : undefined,
    movingOneHot,
    fixedLabels,
    movingLabels,
    labels: classes,
  };
}
