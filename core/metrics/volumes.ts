/**
 * Per-label volumes in millilitres of a label map (every result records them, with reference
 * labels or without), and beside them those of the reference labels where there are any.
 */
import type { Grid } from '../volume/volume.js';
import { labelCounts } from './label-counts.js';

export interface LabelVolume {
  label: number;
  /** Volume of the transferred label, ml. */
  volumeMl: number;
  /** Volume of the same label in the reference labels, ml (only where reference labels exist). */
  referenceVolumeMl?: number;
}

/** Millilitres of one voxel (the direction matrix is orthonormal: the spacing alone gives it). */
export function voxelMl(grid: Grid): number {
  return (grid.spacing[0] * grid.spacing[1] * grid.spacing[2]) / 1000;
}

/**
 * Volume of every non-zero label of `labels` (and of `reference`, when given: the union of both
 * label sets, a label missing on one side has volume 0 there), sorted by label.
 */
export function labelVolumes(labels: ArrayLike<number>, grid: Grid, reference?: ArrayLike<number>): LabelVolume[] {
  return volumesFromCounts(labelCounts(labels), grid, reference ? labelCounts(reference) : undefined);
}

/** labelVolumes from voxel counts already taken (labelCounts of the labels and of the reference). */
export function volumesFromCounts(own: Map<number, number>, grid: Grid, ref?: Map<number, number>): LabelVolume[] {
  const ml = voxelMl(grid);
  const all = new Set([...own.keys(), ...(ref?.keys() ?? [])]);
  return [...all]
    .sort((a, b) => a - b)
    .map((label) => {
      const row: LabelVolume = { label, volumeMl: (own.get(label) ?? 0) * ml };
      if (ref) row.referenceVolumeMl = (ref.get(label) ?? 0) * ml;
      return row;
    });
}

/** Total labelled volume, ml. */
export function totalMl(volumes: readonly LabelVolume[]): number {
  return volumes.reduce((sum, v) => sum + v.volumeMl, 0);
}
