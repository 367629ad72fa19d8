import { describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { transformixDice } from '../../core/bench/itk-convention.js';
import { elastixAvailable } from '../../core/bench/elastix.js';
import { AffineTransform, CompositeTransform, DisplacementFieldTransform, evaluateOnGrid } from '../../core/registration/transform.js';
import { sampleAtCoordinates } from '../../core/kernels/resample.js';
import { writeResultFolder } from '../../core/results/result-folder.js';
import { writeNifti } from '../../core/volume/nifti-writer.js';
import { createVolume, indexToWorldMatrix } from '../../core/volume/volume.js';
import type { Grid } from '../../core/volume/volume.js';

// The scan grid is oblique (rotated about z) and anisotropic; the template's grid differs from it.
const c = Math.cos(0.3);
const s = Math.sin(0.3);
const scan: Grid = { dims: [36, 32, 22], spacing: [1.2, 1, 1.5], origin: [-20, -14, -15], direction: [c, -s, 0, s, c, 0, 0, 0, 1] };
const template: Grid = { dims: [40, 36, 30], spacing: [1, 1, 1], origin: [-20, -18, -15], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] };

/** Three nested labelled ellipsoids on the template grid. */
function templateLabels(): Int32Array {
  const m = indexToWorldMatrix(template);
  const [nx, ny, nz] = template.dims;
  const out = new Int32Array(nx * ny * nz);
  for (let v = 0, k = 0; k < nz; k++)
    for (let j = 0; j < ny; j++)
      for (let i = 0; i < nx; i++, v++) {
        const x = m[0] * i + m[3];
        const y = m[5] * j + m[7];
        const z = m[10] * k + m[11];
        const r = (x / 14) ** 2 + (y / 11) ** 2 + (z / 9) ** 2;
        out[v] = r < 0.25 ? 3 : r < 0.6 ? (x > 0 ? 2 : 4) : r < 1 ? 1 : 0;
      }
  return out;
}

describe.skipIf(!elastixAvailable())('the ITK convention of the stored displacement field', () => {
  it('transformix applying displacement.nii to the template labels reproduces ours; the field with RAS signs does not', async () => {
    const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'labelwarp-itk-'));
    try {
      const n = scan.dims[0] * scan.dims[1] * scan.dims[2];
      // A smooth deformation of a few millimetres, then an affine with rotation and translation.
      const field = new Float32Array(3 * n);
      const m = indexToWorldMatrix(scan);
      for (let v = 0; v < n; v++) {
        const i = v % scan.dims[0];
        const j = Math.floor(v / scan.dims[0]) % scan.dims[1];
        const k = Math.floor(v / (scan.dims[0] * scan.dims[1]));
        const x = m[0] * i + m[1] * j + m[2] * k + m[3];
        const y = m[4] * i + m[5] * j + m[6] * k + m[7];
        field[3 * v] = 3 * Math.sin(y / 8);
        field[3 * v + 1] = 2.5 * Math.cos(x / 9);
        field[3 * v + 2] = 1.5;
      }
      const affine = new AffineTransform(Float64Array.from([0.98, 0.1, 0, 2.5, -0.1, 0.98, 0.02, -1.5, 0, 0.03, 1.05, 1, 0, 0, 0, 1]));
      const t = new CompositeTransform([new DisplacementFieldTransform(scan, field), affine]);
      const e = evaluateOnGrid(t, scan, { displacement: true, source: template });
      const labelsFile = path.join(tmp, 'template_labels.nii.gz');
      const templateLabelMap = createVolume(template, templateLabels());
      await writeNifti(labelsFile, templateLabelMap);
      const labels = sampleAtCoordinates(templateLabelMap, scan, e.sourceIndex!, 'nearest');
      const write = (dir: string, displacementMm: Float32Array) =>
        writeResultFolder(dir, { grid: scan, labels: labels.data, transform: t, displacementMm, metrics: {} });
      await write(path.join(tmp, 'lps'), e.displacementMm!);
      expect(await transformixDice(path.join(tmp, 'lps'), labelsFile)).toBeGreaterThanOrEqual(0.95);
      // The same field stored in RAS signs (x and y negated): transformix's labels land elsewhere.
      const ras = Float32Array.from(e.displacementMm!, (u, q) => (q % 3 === 2 ? u : -u));
      await write(path.join(tmp, 'ras'), ras);
      expect(await transformixDice(path.join(tmp, 'ras'), labelsFile)).toBeLessThan(0.8);
    } finally {
      await fs.rm(tmp, { recursive: true, force: true });
    }
  }, 60_000);
});
