/**
 * Whether a label map is plausibly one: an intensity image read as labels (a T1 stored as bytes
 * passes the integer check with a hundred "labels") is refused with the reason in plain words.
 */
import { LabelWarpError } from '../util/errors.js';
import type { Volume } from '../volume/volume.js';

/**
 * Label maps are piecewise constant: along a row most labelled voxels share their neighbour's
 * label (0.76 for the 2 mm DLMUSE maps, 0.88–0.90 for the hippocampus, FreeSurfer and CT organ
 * maps). Intensity images vary from voxel to voxel (a hippocampus MRI read as labels: 0.06).
 */
export const MIN_NEIGHBOUR_AGREEMENT = 0.4;
/** More distinct labels than any template LabelWarp is meant for (DLMUSE: 148, FreeSurfer aseg: ~45). */
export const MAX_PLAUSIBLE_LABELS = 1000;

export interface LabelMapSummary {
  labels: number[];
  /** Share of labelled voxels whose next voxel along the first axis holds the same label. */
  neighbourAgreement: number;
}

export function summariseLabelMap(v: Pick<Volume, 'dims' | 'data'>): LabelMapSummary {
  const nx = v.dims[0];
  const d = v.data;
  const present = new Set<number>();
  let labelled = 0;
  let same = 0;
  for (let i = 0; i < d.length; i++) {
    const l = d[i];
    if (l === 0) continue;
    present.add(l);
    labelled++;
    if (i % nx < nx - 1 && d[i + 1] === l) same++;
  }
  return { labels: [...present].sort((a, b) => a - b), neighbourAgreement: labelled ? same / labelled : 1 };
}

/** Throws, naming the file, where the label map holds no labels or looks like something else. */
export function checkLabelMap(v: Pick<Volume, 'dims' | 'data'>, file?: string, what = 'the label map'): LabelMapSummary {
  const s = summariseLabelMap(v);
  if (s.labels.length === 0) throw new LabelWarpError(`${what} holds no labels (all voxels are 0)`, file);
  if (s.neighbourAgreement < MIN_NEIGHBOUR_AGREEMENT)
    throw new LabelWarpError(
      `looks like an intensity image, not a label map: ${s.labels.length} distinct values, and only ${Math.round(100 * s.neighbourAgreement)} % of labelled voxels share their neighbour's value (label maps: 75 % or more)`,
      file,
    );
  if (s.labels.length > MAX_PLAUSIBLE_LABELS)
    throw new LabelWarpError(
      `holds ${s.labels.length} distinct labels, more than the ${MAX_PLAUSIBLE_LABELS} a label map plausibly has`,
      file,
    );
  return s;
}
