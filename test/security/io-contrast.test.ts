/**
 * Issue 7, item 7: one voxel at 1e7 no longer squeezes the intensity percentiles into one
 * histogram bin, so the scan is not refused as "no contrast", and percentiles are exact.
 */
import { describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isConstant, percentiles } from '../../core/kernels/intensity.js';
import { readVolume, writeVolume } from '../../core/volume/io.js';
import { toFloat32 } from '../../core/volume/volume.js';
import { SHARED } from '../helpers/synthetic.js';
import { segmentWithCli } from '../helpers/segment-cli.js';

const HIPPO = path.join(SHARED, 'hippocampus');

function exactPercentile(data: ArrayLike<number>, p: number): number {
  const sorted = Float64Array.from(data).sort();
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

describe('robust percentiles', () => {
  it('are the exact order statistics, with or without an extreme outlier', async () => {
    const scan = toFloat32(await readVolume(path.join(HIPPO, 'hippocampus_003_image.nii.gz')));
    const data = Float32Array.from(scan.data);
    for (const outlier of [undefined, 1e7, -1e7, 3e38]) {
      if (outlier !== undefined) data[1234] = outlier;
      const ps = [0, 1, 5, 50, 95, 99, 100];
      expect(percentiles(data, ps)).toEqual(ps.map((p) => exactPercentile(data, p)));
      expect(isConstant(data)).toBe(false);
    }
  });

  it('a scan with one voxel at 1e7 is segmented, not refused as having no contrast', async () => {
    const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'lw-io-contrast-'));
    const scan = toFloat32(await readVolume(path.join(HIPPO, 'hippocampus_003_image.nii.gz')));
    scan.data[1234] = 1e7;
    const file = path.join(tmp, 'outlier_image.nii.gz');
    await writeVolume(file, scan);
    const r = await segmentWithCli(
      {
        templateImage: path.join(HIPPO, 'hippocampus_001_image.nii.gz'),
        templateLabels: path.join(HIPPO, 'hippocampus_001_labels.nii.gz'),
        scan: file,
        scanLabels: path.join(HIPPO, 'hippocampus_003_labels.nii.gz'),
      },
      path.join(tmp, 'out'),
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.metrics?.meanDice).toBeGreaterThan(0.5);
  });
});
