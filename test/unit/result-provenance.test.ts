/**
 * Every result of `segment`, the app's Review tab and the demo records what made it (principle 8):
 * the LabelWarp build, the engine's options as run, the model folder loaded (the bundled default
 * too) with its checksum, and the tensor backend; and the app's result list names what set a
 * result apart from the engine's defaults.
 */
import { describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { resultProvenance, settingsLine } from '../../core/pipeline/result-provenance.js';
import type { ResultProvenance } from '../../core/pipeline/result-provenance.js';
import { segmentToFolder } from '../../core/pipeline/segment-to-folder.js';
import { folderSha256 } from '../../core/models/model-format.js';
import { ROOT } from '../helpers/cli.js';
import { SHARED } from '../helpers/synthetic.js';

const MODELS = path.join(ROOT, 'resources', 'models');
const H = (id: string, w: 'image' | 'labels') => path.join(SHARED, 'hippocampus', `hippocampus_${id}_${w}.nii.gz`);

describe('result provenance', () => {
  it('names the bundled model an engine loads by default, with its checksum, and the options as run', async () => {
    const p = await resultProvenance('student', {}, 'cpu');
    expect(p.model).toEqual({
      folder: path.join(MODELS, 'student-hippocampus'),
      name: 'student-hippocampus',
      sha256: await folderSha256(path.join(MODELS, 'student-hippocampus')),
    });
    expect(p.model!.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(p.engine.options).not.toHaveProperty('model');
    expect(p.engine.options).toHaveProperty('runtime');
    expect(settingsLine(p)).toBe('model student-hippocampus');
    const sv = await resultProvenance('supervoxel', {}, 'cpu');
    expect(sv.model?.name).toBe('supervoxel-hippocampus');
  });

  it('records no model where none is loaded, and lists only the options changed from the defaults', async () => {
    const plain = await resultProvenance('gn', {}, 'none');
    expect(plain.model).toBeNull();
    expect(settingsLine(plain)).toBe('');
    const tuned = await resultProvenance(
      'gn',
      { factors: '4,2,1', iterations: [2, 4, 4], model: path.join(MODELS, 'gn-hippocampus') },
      'cpu',
    );
    expect(tuned.engine.options.factors).toEqual([4, 2, 1]);
    expect(tuned.model?.name).toBe('gn-hippocampus');
    expect(settingsLine(tuned)).toBe('model gn-hippocampus · factors=4,2,1 · iterations=2,4,4');
  });

  it('hashes a model folder again when its files change (checksums are kept between scans)', async () => {
    const dir = path.join(await fs.mkdtemp(path.join(os.tmpdir(), 'lw-prov-model-')), 'model');
    await fs.cp(path.join(MODELS, 'gn-hippocampus'), dir, { recursive: true });
    const first = (await resultProvenance('gn', { model: dir }, 'cpu')).model!.sha256;
    expect(first).toBe(await folderSha256(dir));
    expect((await resultProvenance('gn', { model: dir }, 'cpu')).model!.sha256).toBe(first);
    const card = path.join(dir, 'model.json');
    await fs.appendFile(card, ' ');
    const changed = (await resultProvenance('gn', { model: dir }, 'cpu')).model!.sha256;
    expect(changed).not.toBe(first);
    expect(changed).toBe(await folderSha256(dir));
    await fs.rm(path.dirname(dir), { recursive: true, force: true });
  });

  it('is written into metrics.json of every result folder', async () => {
    const out = path.join(await fs.mkdtemp(path.join(os.tmpdir(), 'lw-prov-')), 'result');
    await segmentToFolder(
      { templateImage: H('001', 'image'), templateLabels: H('001', 'labels'), scan: H('003', 'image'), scanLabels: H('003', 'labels') },
      out,
      { engine: 'affine', engineOptions: { levels: 2 } },
    );
    const metrics = JSON.parse(await fs.readFile(path.join(out, 'metrics.json'), 'utf8')) as { provenance: ResultProvenance };
    const pkg = JSON.parse(await fs.readFile(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(metrics.provenance.labelwarp.version).toBe(pkg.version);
    expect(metrics.provenance.engine.name).toBe('affine');
    expect(metrics.provenance.engine.options.levels).toBe(2);
    expect(metrics.provenance.model).toBeNull();
    expect(metrics.provenance.backend).toMatch(/none needed/);
    expect(settingsLine(metrics.provenance)).toBe('levels=2');
    await fs.rm(path.dirname(out), { recursive: true, force: true });
  });
});
