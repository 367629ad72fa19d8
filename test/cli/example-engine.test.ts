import { describe, expect, it, beforeAll, afterEach, vi } from 'vitest';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SHARED } from '../helpers/synthetic.js';
import { centroidEngine } from '../helpers/example-engine.js';
import { registerEngine } from '../../core/engines/index.js';
import { main } from '../../core/cli/main.js';
import { hostlessApp } from '../helpers/app.js';
import { ROOT } from '../helpers/cli.js';

const H = (id: string, what: 'image' | 'labels') => path.join(SHARED, 'hippocampus', `hippocampus_${id}_${what}.nii.gz`);

/** Runs the command line in this process (where the example engine is registered), capturing its output. */
async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => (out.push(String(chunk)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => (err.push(String(chunk)), true));
  try {
    const code = await main(args);
    return { code, stdout: out.join(''), stderr: err.join('') };
  } finally {
    vi.restoreAllMocks();
  }
}

let tmp: string;
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'lw-example-'));
  // The one registry line (core/engines/index.ts registers the built-in engines the same way).
  registerEngine(centroidEngine);
});
afterEach(() => vi.restoreAllMocks());

describe('an engine added in one file plus one registry line', () => {
  it('is listed by labelwarp engines, as trainable, with its typed options', async () => {
    const r = await run(['engines']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^centroid {2}— {2}translation aligning .*\[global; trainable: labelwarp train centroid\]$/m);
    expect(r.stdout).toMatch(/--option threshold=… {2}\(number, default 0\.1, 0…0\.9\)/);
    expect(r.stdout).toMatch(/^gn .*trainable: labelwarp train gn/m);
    expect(r.stdout).toMatch(/^affine .*\[global\]$/m);
    const help = await run(['train', '--help']);
    expect(help.stdout).toMatch(/Trainable engines: gn, student, supervoxel, centroid/);
  });

  it("is in the app's engine list", async () => {
    const app = await hostlessApp(path.join(tmp, 'state'));
    const engines = await app.services.system.engines();
    const e = engines.find((x) => x.name === 'centroid');
    expect(e).toMatchObject({
      deformable: false,
      options: [expect.objectContaining({ name: 'threshold', default: 0.1 }), expect.objectContaining({ name: 'model' })],
    });
    expect(engines.map((x) => x.name)).toEqual(['affine', 'gn', 'student', 'supervoxel', 'centroid']);
  });

  it('segments, trains, lists its model, and warns when the model was trained for another template', async () => {
    const scans = path.join(tmp, 'scans');
    await fs.mkdir(scans);
    for (const id of ['003', '004', '006', '007', '008'])
      for (const w of ['image', 'labels'] as const) await fs.copyFile(H(id, w), path.join(scans, `hippocampus_${id}_${w}.nii.gz`));
    const seg = path.join(tmp, 'seg');
    const base = ['segment', '--template-image', H('001', 'image'), '--template-labels', H('001', 'labels'), '--quiet'];
    const target = ['--scan', H('011', 'image'), '--scan-labels', H('011', 'labels')];
    const r = await run([...base, ...target, '--engine', 'centroid', '--out', seg]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const m = JSON.parse(await fs.readFile(path.join(seg, 'metrics.json'), 'utf8'));
    expect(m.engine).toBe('centroid');
    expect(m.meanDice).toBeGreaterThan(0.1);
    expect(m.details['shiftMm']).toBeGreaterThan(0);

    const model = path.join(tmp, 'model');
    const t = await run([
      'train',
      'centroid',
      '--template-image',
      H('001', 'image'),
      '--template-labels',
      H('001', 'labels'),
      '--scans',
      scans,
      '--scan-labels',
      scans,
      '--out',
      model,
      '--validation-fraction',
      '0.4',
      '--quiet',
    ]);
    expect(t.stderr).toMatch(/tensor backend/);
    expect(t.code).toBe(0);
    expect(t.stdout).toMatch(/validation Dice 0\.\d{3}/);
    const card = JSON.parse(await fs.readFile(path.join(model, 'model.json'), 'utf8'));
    expect(card).toMatchObject({
      format: 'labelwarp-model',
      version: 2,
      engine: 'centroid',
      template: { image: { file: 'hippocampus_001_image.nii.gz' }, labels: { file: 'hippocampus_001_labels.nii.gz' } },
      subjects: { training: ['hippocampus_003', 'hippocampus_004', 'hippocampus_006'], validation: ['hippocampus_007', 'hippocampus_008'] },
    });
    expect(card.template.image.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(card)).not.toContain(tmp);

    const listed = await run(['models', tmp]);
    expect(listed.code).toBe(0);
    // The bundled model's row shows its own card's subject counts.
    const bundled = JSON.parse(await fs.readFile(path.join(ROOT, 'resources/models/gn-hippocampus/model.json'), 'utf8'));
    const counts = `${bundled.subjects.training.length} / ${bundled.subjects.validation.length}`;
    expect(listed.stdout).toMatch(new RegExp(`gn-hippocampus\\s+gn\\s+hippocampus_001_image\\.nii\\.gz\\s+${counts}`));
    expect(listed.stdout).toMatch(/model\s+centroid\s+hippocampus_001_image\.nii\.gz\s+3 \/ 2\s+0\.\d{3}/);

    const withModel = path.join(tmp, 'seg-model');
    expect((await run([...base, ...target, '--engine', 'centroid', '--model', model, '--out', withModel])).code).toBe(0);
    expect(JSON.parse(await fs.readFile(path.join(withModel, 'metrics.json'), 'utf8')).warnings).toEqual([]);
    // Another template: the same engine and model, a plain warning in metrics.json.
    const other = ['segment', '--template-image', H('003', 'image'), '--template-labels', H('003', 'labels'), '--quiet'];
    const wrong = path.join(tmp, 'seg-other');
    expect((await run([...other, ...target, '--engine', 'centroid', '--model', model, '--out', wrong])).code).toBe(0);
    expect(JSON.parse(await fs.readFile(path.join(wrong, 'metrics.json'), 'utf8')).warnings).toEqual([
      'model model was trained for template hippocampus_001_image.nii.gz, not hippocampus_003_image.nii.gz (different checksum): results may be poor',
    ]);
  });

  it('engines without a trainer say so', async () => {
    const r = await run(['train', 'affine', '--out', tmp]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/engine "affine" cannot be trained; trainable: gn, student, supervoxel, centroid/);
  });
});
