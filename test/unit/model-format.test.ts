import { beforeAll, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readModelCard, writeModelCard, templateWarning, fileSha256 } from '../../core/models/model-format.js';
import { findModels } from '../../core/models/catalog.js';
import { loadFeatureModel } from '../../core/engines/gn/model.js';
import { ROOT } from '../helpers/cli.js';
import { SHARED } from '../helpers/synthetic.js';
import { initTensorBackend } from '../../core/tensor/backend.js';

beforeAll(async () => {
  await initTensorBackend();
});

const SHIPPED = path.join(ROOT, 'resources', 'models', 'gn-hippocampus');
const H = (id: string, w: 'image' | 'labels') => path.join(SHARED, 'hippocampus', `hippocampus_${id}_${w}.nii.gz`);

describe('the common model format', () => {
  it('the shipped gn model is a portable card: engine, template checksum, subjects, no absolute paths', async () => {
    const text = await fs.readFile(path.join(SHIPPED, 'model.json'), 'utf8');
    expect(text).not.toMatch(/"\/(work|home|tmp)\//);
    const card = await readModelCard(SHIPPED, 'gn');
    expect(card.template.image).toEqual({ file: 'hippocampus_001_image.nii.gz', sha256: await fileSha256(H('001', 'image')) });
    // Every other labelled hippocampus scan is named once: trained on or held out, never both.
    const others = (await fs.readdir(path.join(SHARED, 'hippocampus'))).filter((f) => f.endsWith('_labels.nii.gz')).length - 1;
    const named = [...card.subjects.training, ...card.subjects.validation];
    expect(card.subjects.training.length).toBeGreaterThan(0);
    expect(card.subjects.validation.length).toBeGreaterThan(0);
    expect(new Set(named).size).toBe(named.length);
    expect(named).toHaveLength(others);
    expect(named).not.toContain('hippocampus_001');
    // The card's validation Dice is the best row of the training's own validation log among the
    // checkpoints folding on at most 0.5 % of voxels (the selection rule).
    const rows = (await fs.readFile(path.join(SHIPPED, 'validation.csv'), 'utf8')).trim().split('\n').slice(1);
    const eligible = rows.map((line) => line.split(',').map(Number)).filter(([, , fold]) => fold <= 0.5);
    const best = Math.max(...eligible.map(([, dice]) => dice));
    expect(card.validation.dice).toBeCloseTo(best, 4);
    expect(await templateWarning(card, SHIPPED, H('001', 'image'))).toBeUndefined();
    expect(await templateWarning(card, SHIPPED, H('003', 'image'))).toMatch(
      /^model gn-hippocampus was trained for template hippocampus_001_image\.nii\.gz, not hippocampus_003_image\.nii\.gz/,
    );
    const { net, config } = await loadFeatureModel(SHIPPED);
    expect(config.network).toEqual({ hidden: 4, outChannels: 4 });
    net.dispose();
    expect((await findModels([path.join(ROOT, 'resources', 'models')])).map((m) => path.basename(m.dir))).toContain('gn-hippocampus');
  });

  it('refuses absolute paths, other formats and models of another engine', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'lw-card-'));
    const input = {
      engine: 'gn',
      config: { weights: { file: '/abs/weights.bin' } },
      templateImage: H('001', 'image'),
      subjects: { training: [], validation: [] },
      training: { backend: 'cpu', seconds: 1 },
      validation: { dice: null },
    };
    await expect(writeModelCard(dir, input)).rejects.toThrow('a model card must hold relative paths only; absolute at config.weights.file');
    await writeModelCard(dir, { ...input, config: { weights: { file: 'weights.bin' } } });
    await expect(readModelCard(dir, 'student')).rejects.toThrow(/this model is for engine "gn", not "student"/);
    await fs.writeFile(path.join(dir, 'model.json'), JSON.stringify({ format: 'labelwarp-feature-net', version: 1 }));
    await expect(readModelCard(dir)).rejects.toThrow(/unsupported model format labelwarp-feature-net v1 \(expected labelwarp-model v2\)/);
    const found = await findModels([path.dirname(dir)]);
    expect(found.find((m) => m.dir === dir)?.error).toMatch(/unsupported model format/);
  });
});
