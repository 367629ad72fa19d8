/** Writing a segmentation result to a folder: every file atomically (temporary name, then rename). */
import path from 'node:path';
import { writeVolume, compactLabels } from '../volume/io.js';
import { createVolume, gridOf } from '../volume/volume.js';
import { writeTextAtomically } from '../util/atomic.js';
import { AffineTransform, CompositeTransform, affineToItkText } from '../registration/transform.js';
import type { SpatialTransform } from '../registration/transform.js';
import type { SegmentResult } from '../pipeline/segment.js';

export interface WrittenOutputs {
  labels: string;
  warpedAtlas: string;
  transformJson: string;
  transformTfm?: string;
  displacement?: string;
  metrics: string;
}

function affinePart(t: SpatialTransform): AffineTransform | undefined {
  if (t instanceof AffineTransform) return t;
  if (t instanceof CompositeTransform && t.transforms.length === 1) return affinePart(t.transforms[0]);
  return undefined;
}

export async function writeSegmentResult(dir: string, result: SegmentResult, extra: Record<string, unknown> = {}): Promise<WrittenOutputs> {
  const out: WrittenOutputs = {
    labels: path.join(dir, 'labels.nii.gz'),
    warpedAtlas: path.join(dir, 'warped-atlas.nii.gz'),
    transformJson: path.join(dir, 'transform.json'),
    metrics: path.join(dir, 'metrics.json'),
  };
  await writeVolume(out.labels, createVolume(gridOf(result.labels), compactLabels(result.labels.data)));
  await writeVolume(out.warpedAtlas, result.warpedAtlas);
  const affine = affinePart(result.transform);
  if (affine) {
    out.transformTfm = path.join(dir, 'transform.tfm');
    await writeTextAtomically(out.transformTfm, affineToItkText(affine));
  }
  if (result.displacementMm) {
    out.displacement = path.join(dir, 'displacement.nii.gz');
    await writeVolume(out.displacement, createVolume(gridOf(result.labels), result.displacementMm, 3));
  }
  const transformDoc = {
    convention: 'maps scan (fixed) world points to template (moving) world points; LPS millimetres',
    transform: result.transform.describe(),
  };
  await writeTextAtomically(out.transformJson, JSON.stringify(transformDoc, null, 2) + '\n');
  await writeTextAtomically(out.metrics, JSON.stringify({ ...extra, ...result.metrics }, null, 2) + '\n');
  return out;
}
