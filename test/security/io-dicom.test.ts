/**
 * Issue 7, items 14 and 15: a DICOM series written from a NIfTI by a maintained writer
 * (plastimatch, Debian package) is segmented from the command line (`--scan DIR`) and through the
 * app's import, and the scan's NIfTI reference labels, which hold the same voxel centres with the
 * slice axis reversed, are accepted after an exact reorientation that the metrics report.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readVolume, writeVolume } from '../../core/volume/io.js';
import { latticeMapping, reorientVolume, describeMapping } from '../../core/volume/reorient.js';
import { sameGrid } from '../../core/volume/volume.js';
import type { Mat3, Vec3, Volume } from '../../core/volume/volume.js';
import { readSegmentInput, segmentScan } from '../../core/pipeline/segment.js';
import { hostlessApp } from '../helpers/app.js';
import { SHARED } from '../helpers/synthetic.js';
import { segmentWithCli } from '../helpers/segment-cli.js';

const HIPPO = path.join(SHARED, 'hippocampus');
const HAVE_PLASTIMATCH = spawnSync('plastimatch', ['--version'], { stdio: 'ignore' }).status === 0;
if (!HAVE_PLASTIMATCH) console.warn('io-dicom: plastimatch is not installed (apt-get install plastimatch): DICOM series probes skipped');

/**
 * The IXI scans' orientation (index axes along S, R→L, A→P): a DICOM export reverses its slices.
 * Template and scan are both given it, so their anatomy stays aligned.
 */
const OBLIQUE: Mat3 = [0, 0, -1, 1, 0, 0, 0, 1, 0];

let tmp: string;
let TEMPLATE_IMAGE: string;
let TEMPLATE_LABELS: string;
let niftiScan: string;
let niftiLabels: string;
let dicomDir: string;

function oblique<T extends Volume>(v: T): T {
  return { ...v, direction: OBLIQUE, origin: [88, -118, -135] as Vec3, spacing: [1.2, 1, 0.9] as Vec3 };
}

/** Image (rounded to int16, which DICOM stores exactly) and labels of a hippocampus subject, in the oblique orientation. */
async function writeOblique(id: string, image: string, labels: string): Promise<void> {
  const img = await readVolume(path.join(HIPPO, `hippocampus_${id}_image.nii.gz`), 'image');
  await writeVolume(image, oblique({ ...img, data: Int16Array.from(img.data, Math.round) }));
  const lab = await readVolume(path.join(HIPPO, `hippocampus_${id}_labels.nii.gz`), 'labels');
  await writeVolume(labels, oblique({ ...lab, data: Uint8Array.from(lab.data) }));
}

describe.skipIf(!HAVE_PLASTIMATCH)('DICOM series from plastimatch', () => {
  beforeAll(async () => {
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'lw-io-dicom-'));
    TEMPLATE_IMAGE = path.join(tmp, 'atlas_image.nii.gz');
    TEMPLATE_LABELS = path.join(tmp, 'atlas_labels.nii.gz');
    await writeOblique('001', TEMPLATE_IMAGE, TEMPLATE_LABELS);
    niftiScan = path.join(tmp, 'subject_image.nii.gz');
    niftiLabels = path.join(tmp, 'subject_labels.nii.gz');
    await writeOblique('003', niftiScan, niftiLabels);
    dicomDir = path.join(tmp, 'subject-dicom');
    execFileSync('plastimatch', ['convert', '--input', niftiScan, '--output-dicom', dicomDir], { stdio: 'ignore' });
  });

  it('the series holds the NIfTI voxels exactly, on the same voxel centres with the slice axis reversed', async () => {
    const dicom = await readVolume(dicomDir, 'image');
    const nifti = await readVolume(niftiScan, 'image');
    expect(sameGrid(dicom, nifti)).toBe(false);
    const mapping = latticeMapping(nifti, dicom);
    expect(mapping && describeMapping(mapping)).toBe('i, j, −k');
    const back = reorientVolume(dicom, nifti, latticeMapping(dicom, nifti)!);
    let differ = 0;
    for (let i = 0; i < back.data.length; i++) if (back.data[i] !== nifti.data[i]) differ++;
    expect(back.data.length).toBe(nifti.data.length);
    expect(differ).toBe(0);
  });

  it('labelwarp segment --scan DIR reads the series and accepts the NIfTI reference labels', async () => {
    const files = { templateImage: TEMPLATE_IMAGE, templateLabels: TEMPLATE_LABELS, scan: dicomDir, scanLabels: niftiLabels };
    const r = await segmentWithCli(files, path.join(tmp, 'cli-out'));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.metrics?.reoriented).toEqual([
      `${niftiLabels} holds the voxels of the scan in another index order (i, j, −k); reoriented exactly`,
    ]);
    expect(r.metrics?.meanDice).toBeGreaterThan(0.5);
  });

  it('the app imports the series folder, accepts the reference labels, and its job path segments it', async () => {
    // The folders this test reads from (the app reads nothing else: electron/security/roots.ts).
    const app = await hostlessApp(path.join(tmp, 'state'), [
      [tmp, true],
      [SHARED, false],
    ]);
    try {
      await app.init();
      const { added, errors } = await app.services.scans.add({ paths: [dicomDir] });
      expect(errors).toEqual([]);
      expect(added).toHaveLength(1);
      const scan = await app.services.scans.setReference({ scanId: added[0].id, labels: niftiLabels });
      expect(scan.referenceLabels).toBe(niftiLabels);
      // What the engine host's worker does with the job's files.
      const input = await readSegmentInput({
        templateImage: TEMPLATE_IMAGE,
        templateLabels: TEMPLATE_LABELS,
        scan: scan.image,
        scanLabels: niftiLabels,
      });
      const result = await segmentScan(input, { engine: 'affine' });
      expect(result.metrics.reoriented).toHaveLength(1);
      expect(result.metrics.meanDice).toBeGreaterThan(0.5);
    } finally {
      app.dispose();
    }
  });

  it('labels on a really different grid are still refused', async () => {
    const shifted = path.join(tmp, 'shifted_labels.nii.gz');
    const labels = await readVolume(niftiLabels, 'labels');
    await writeVolume(shifted, {
      ...labels,
      data: Uint8Array.from(labels.data),
      origin: [labels.origin[0] + 0.5, labels.origin[1], labels.origin[2]],
    });
    const input = await readSegmentInput({
      templateImage: TEMPLATE_IMAGE,
      templateLabels: TEMPLATE_LABELS,
      scan: dicomDir,
      scanLabels: shifted,
    });
    await expect(segmentScan(input, { engine: 'affine' })).rejects.toThrow(/reference label map grid .* does not match the scan/);
  });
});
