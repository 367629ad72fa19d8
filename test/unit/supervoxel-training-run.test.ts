/**
 * The supervoxel trainer in a training run (core/training, as the training screen runs it): its
 * teacher is a stage of the run, cached in the workspace; every step reports its loss (the curves),
 * validations their Dice, and a pause holds at the next step boundary. Tiny settings: 2 scans, an
 * 8³ network grid, 4 supervoxel layers (not the default 16: the head follows) of 8.
 */
import { describe, expect, it } from 'vitest';
import { promises as fs, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import '../../core/engines/index.js';
import { trainableEngines } from '../../core/engines/index.js';
import { TrainingRun } from '../../core/training/controller.js';
import { createRecord } from '../../core/training/run-record.js';
import type { TrainingEvent } from '../../core/training/events.js';
import { dirs } from '../../core/workspace/layout.js';
import { HIPPO, image, labels } from '../helpers/training.js';

const TINY = {
  grid: [8, 8, 8],
  supervoxels: 8,
  layers: 4,
  bins: 4,
  iterations: 4,
  validateEvery: 2,
  checkpointEvery: 2,
  validationFraction: 0.5,
  maxTraining: 1,
  maxValidation: 1,
};

describe.runIf(existsSync(HIPPO))('supervoxel training run', () => {
  it('is one of the trainable engines, and reports steps, validations and pauses like the others', async () => {
    expect(trainableEngines().map((e) => e.name)).toEqual(expect.arrayContaining(['gn', 'student', 'supervoxel']));
    const W = await fs.mkdtemp(path.join(os.tmpdir(), 'lw-sv-run-'));
    const record = await createRecord(W, {
      engine: 'supervoxel',
      templateImage: image('001'),
      templateLabels: labels('001'),
      scans: ['003', '004'].map((id) => ({ image: image(id), labels: labels(id) })),
      options: TINY,
    });
    const events: TrainingEvent[] = [];
    let pausedAt = -1;
    const run = new TrainingRun(W, record, (e) => {
      events.push(e);
      // Pause after the first step; let it go on a second after the run says it is paused.
      if (e.type === 'step' && e.iteration === 1) run.pause('user');
      if (e.type === 'state' && e.state === 'paused') {
        pausedAt = events.length;
        setTimeout(() => run.unpause('user'), 1000);
      }
    });
    const done = await run.run();
    expect(done.state, done.error).toBe('done');

    expect(events.some((e) => e.type === 'stage' && e.stage === 'teacher')).toBe(true);
    expect((await fs.readdir(dirs.teachers(W))).length).toBe(1); // the workspace's teacher cache
    // Fields only for the training scan: the validation scan is scored by the whole registration.
    const teacherScans = events.flatMap((e) => (e.type === 'teacher' ? [e.scan] : []));
    expect(teacherScans).toHaveLength(1);
    expect(teacherScans[0]).toMatch(/003/);
    const steps = events.filter((e) => e.type === 'step');
    expect(steps.map((s) => s.iteration)).toEqual([1, 2, 3, 4]);
    for (const s of steps) expect(Number.isFinite(s.terms.loss) && s.terms.loss > 0).toBe(true);
    const validations = events.filter((e) => e.type === 'validation');
    expect(validations.map((v) => v.iteration)).toEqual([2, 4]);
    for (const v of validations) expect(v.dice).toBeGreaterThanOrEqual(0);
    expect(events.filter((e) => e.type === 'checkpoint').map((c) => c.iteration)).toEqual([2, 4]);
    expect(events.filter((e) => e.type === 'prepared').map((e) => e.type === 'prepared' && `${e.done}/${e.total}`)).toEqual(['1/2', '2/2']);
    // Paused at the boundary after step 1: the next step came only after the run went on.
    expect(pausedAt).toBeGreaterThan(0);
    const afterPause = events.slice(pausedAt);
    const resumed = afterPause.findIndex((e) => e.type === 'state' && e.state === 'running');
    const nextStep = afterPause.findIndex((e) => e.type === 'step');
    expect(resumed).toBeGreaterThanOrEqual(0);
    expect(nextStep).toBeGreaterThan(resumed);
    expect(done.modelDir && existsSync(path.join(done.modelDir, 'model.json'))).toBe(true);
    const card = JSON.parse(await fs.readFile(path.join(done.modelDir!, 'model.json'), 'utf8'));
    expect(card.config.architecture.groups).toBe(4);
    expect(card.config.template.layers).toBe(4);
  }, 300_000);
});
