/**
 * A model trained in the app (training host → core/training) and one trained with `labelwarp train`
 * for the same settings have the same model-card fields, and each is usable by the other side:
 * the app's model by `labelwarp segment`, the command line's by the app's engine host. Also:
 * transfer first — a label-transfer job pauses the training at a step boundary.
 */
import { describe, expect, it, afterAll } from 'vitest';
import { promises as fs, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TrainingHost } from '../../electron/host/training-host.js';
import { EngineHost } from '../../electron/host/engine-host.js';
import { createRecord, readRecord } from '../../core/training/run-record.js';
import type { TrainingRecord } from '../../core/training/run-record.js';
import type { TrainingEvent } from '../../core/training/events.js';
import { teacherCacheDir } from '../../core/training/teacher-cache.js';
import { dirs } from '../../core/workspace/layout.js';
import { linkScans } from '../../core/training/scan-links.js';
import { readModelCard } from '../../core/models/model-format.js';
import { readResultMetrics } from '../../core/results/result-folder.js';
import { labelwarp } from '../helpers/cli.js';
import { finishedJob } from '../helpers/host.js';
import { HIPPO, image, labels } from '../helpers/training.js';

const IDS = ['003', '004', '006', '007'];
const SETTINGS = { grid: [16, 16, 16], iterations: 4, validateEvery: 2, checkpointEvery: 2, maxValidation: 1 };
const kebab = (k: string) => k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

const training = new TrainingHost();
const engines = new EngineHost();
afterAll(() => {
  training.dispose();
  engines.dispose();
});

/** The structure of a card: every key path, with the values that must agree between the two sides. */
function shape(x: unknown, at = ''): string[] {
  if (x && typeof x === 'object' && !Array.isArray(x))
    return Object.entries(x).flatMap(([k, v]) => [`${at}.${k}`, ...shape(v, `${at}.${k}`)]);
  return [];
}

describe.runIf(existsSync(HIPPO))('training in the app and on the command line', () => {
  it('gives models with the same card fields, each usable by the other side', async () => {
    const W = await fs.mkdtemp(path.join(os.tmpdir(), 'lw-train-card-'));
    const spec = {
      engine: 'student',
      templateImage: image('001'),
      templateLabels: labels('001'),
      scans: IDS.map((id) => ({ image: image(id), labels: labels(id) })),
      options: SETTINGS,
    };
    const record = await createRecord(W, spec);
    const events: TrainingEvent[] = [];
    training.on('event', (id, e) => id === record.id && events.push(e));
    const finished = new Promise<TrainingRecord>((resolve) => training.on('finished', (r) => r.id === record.id && resolve(r)));
    training.start(W, record.id);

    // Transfer first: a label-transfer job pauses the training at its next step boundary.
    await new Promise<void>((resolve) => training.on('event', (id, e) => e.type === 'step' && resolve()));
    training.pause('label transfer running');
    await new Promise<void>((resolve) => training.on('event', (id, e) => e.type === 'state' && e.state === 'paused' && resolve()));
    const stepsAtPause = events.filter((e) => e.type === 'step').length;
    await new Promise((r) => setTimeout(r, 1500));
    expect(events.filter((e) => e.type === 'step').length).toBe(stepsAtPause);
    training.unpause('label transfer running');

    const done = await finished;
    expect(done.state, done.error).toBe('done');
    expect(events.some((e) => e.type === 'stage' && e.stage === 'teacher')).toBe(true);
    expect(events.filter((e) => e.type === 'validation').length).toBe(2);
    const appModel = done.modelDir!;
    const appCard = await readModelCard(appModel, 'student');

    // The same settings on the command line, reusing the workspace's teacher fields.
    const scans = path.join(W, 'cli-scans');
    await linkScans(scans, spec.scans);
    const teacherDir = await teacherCacheDir(dirs.teachers(W), spec.templateImage, spec.templateLabels, {
      engine: 'gn',
      options: {},
    });
    const cliModel = path.join(W, 'cli-model');
    const flags = Object.entries(SETTINGS).flatMap(([k, v]) => [`--${kebab(k)}`, Array.isArray(v) ? v.join(',') : String(v)]);
    const t = await labelwarp([
      'train',
      'student',
      '--template-image',
      spec.templateImage,
      '--template-labels',
      spec.templateLabels,
      '--scans',
      scans,
      '--out',
      cliModel,
      '--teacher-dir',
      teacherDir,
      '--quiet',
      ...flags,
    ]);
    expect(t.code, t.stderr).toBe(0);
    expect(t.stdout).toMatch(/teacher fields: 0 computed, 4 reused/);
    const cliCard = await readModelCard(cliModel, 'student');
    expect(shape(appCard).sort()).toEqual(shape(cliCard).sort());
    expect(appCard.template).toEqual(cliCard.template);
    expect(appCard.subjects).toEqual(cliCard.subjects);
    expect(appCard.config.settings).toEqual(cliCard.config.settings);
    expect(appCard.training.backend).toBe(cliCard.training.backend);

    // The app's model on the command line.
    const out = path.join(W, 'seg');
    const s = await labelwarp([
      'segment',
      '--engine',
      'student',
      '--model',
      appModel,
      '--atlas-image',
      image('001'),
      '--atlas-labels',
      labels('001'),
      '--scan',
      image('020'),
      '--scan-labels',
      labels('020'),
      '--out',
      out,
    ]);
    expect(s.code, s.stderr).toBe(0);
    const cliDice = (await readResultMetrics<{ meanDice: number; warnings: string[] }>(out)).meanDice;
    // The command line's model in the app's engine host.
    const jobOut = path.join(W, 'job');
    const job = finishedJob(engines, 'use-cli-model');
    engines.submit('use-cli-model', {
      templateImage: image('001'),
      templateLabels: labels('001'),
      scan: image('020'),
      scanLabels: labels('020'),
      engine: 'student',
      options: { model: cliModel },
      outDir: jobOut,
    });
    const j = await job;
    expect(j.state, j.error).toBe('done');
    console.log(
      `student models on hippocampus_020: the app's through the CLI Dice ${cliDice.toFixed(3)}, the CLI's in the app Dice ${j.outcome!.meanDice!.toFixed(3)}`,
    );
    expect(cliDice).toBeGreaterThan(0.3);
    expect(j.outcome!.meanDice).toBeGreaterThan(0.3);

    // Listed by `labelwarp models --workspace W`.
    const m = await labelwarp(['models', '--workspace', W]);
    expect(m.code, m.stderr).toBe(0);
    expect(m.stdout).toContain(path.basename(appModel));
    expect((await readRecord(W, record.id)).state).toBe('done');
  }, 900_000);
});
