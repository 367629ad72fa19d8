/**
 * Training through the app's services (main process side, real training and engine hosts), in the
 * cohort workspace open in the Cohort tab:
 * - the estimate's model: its plan counts what the run then does (teacher fields, prepared
 *   subjects, steps, validations, checkpoints) and its total is within 1.5× of the run's time;
 * - the runs, teacher fields and models land in that workspace;
 * - transfer first: a label-transfer job pauses the training at a step boundary until it is done;
 * - an app restart (the main process and its hosts gone) interrupts the run, which resumes from its
 *   last checkpoint in the new app.
 */
import { describe, expect, it, afterAll } from 'vitest';
import { promises as fs, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AppService } from '../../electron/app/app-service.js';
import { AllowedRoots } from '../../electron/security/roots.js';
import { TRANSFER_FIRST } from '../../electron/app/training-service.js';
import { readRecord, runDir, runFiles } from '../../core/training/run-record.js';
import type { TrainingRecord } from '../../core/training/run-record.js';
import { readHistory } from '../../core/training/events.js';
import type { TrainingEvent } from '../../core/training/events.js';
import { readModelCard } from '../../core/models/model-format.js';
import { dirs } from '../../core/workspace/layout.js';
import { SHARED } from '../helpers/synthetic.js';
import { finishedJob } from '../helpers/host.js';
import { HIPPO, image, labels } from '../helpers/training.js';

const ROOT = path.resolve(new URL('../..', import.meta.url).pathname);
const IDS = ['003', '004', '006'];
const apps: AppService[] = [];
afterAll(() => apps.forEach((a) => a.dispose()));

async function startApp(stateDir: string, scratch: string): Promise<AppService> {
  const roots = new AllowedRoots();
  await roots.add(SHARED, false);
  await roots.add(scratch, true);
  const app = new AppService({ stateDir, resourcesDir: path.join(ROOT, 'resources'), roots });
  apps.push(app);
  await app.init();
  return app;
}

/** The training host's events of one run, and its end. */
function follow(app: AppService) {
  const events: TrainingEvent[] = [];
  let runId = '';
  app.training.host.on('event', (id, e) => id === runId && events.push(e));
  return {
    events,
    set run(id: string) {
      runId = id;
    },
    next: (test: (e: TrainingEvent) => boolean) =>
      new Promise<TrainingEvent>((resolve) => app.training.host.on('event', (id, e) => id === runId && test(e) && resolve(e))),
    finished: () => new Promise<TrainingRecord>((resolve) => app.training.host.on('finished', (r) => r.id === runId && resolve(r))),
  };
}

const count = (events: TrainingEvent[], type: TrainingEvent['type']) => events.filter((e) => e.type === type).length;

describe.runIf(existsSync(HIPPO))('training in the cohort workspace', () => {
  it('estimates what the run does, trains there, lets label transfer go first and resumes after an app restart', async () => {
    const scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'lw-train-ws-'));
    const stateDir = path.join(scratch, 'state');
    const W = path.join(scratch, 'cohort');
    let app = await startApp(stateDir, scratch);
    await app.services.workspace.open({ folder: W, create: true });
    const template = await app.services.workspace.importTemplate({ image: image('001'), labels: labels('001') });
    // The template's own image among the scans is left out of training.
    await app.services.workspace.importScans({ paths: ['001', ...IDS].map(image) });
    const scanIds = (await app.services.workspace.view()).scans.map((s) => s.id);
    expect(scanIds).toHaveLength(4);
    const request = {
      from: 'workspace' as const,
      templateId: template.id,
      scanIds,
      engine: 'student',
      // The discriminator every second step: the warm-up has to time a whole cycle of step kinds.
      options: { grid: [16, 16, 16], iterations: 4, validateEvery: 2, checkpointEvery: 2, maxValidation: 1, criticEvery: 2 },
    };

    // 1. The estimate, then the run it estimates, uninterrupted.
    const estimate = await app.training.estimate(request);
    const one = follow(app);
    const first = await app.training.start({ ...request, estimateId: estimate.id });
    one.run = first.id;
    const done = await one.finished();
    expect(done.state, done.error).toBe('done');
    const e = one.events;
    const computed = e.filter((x) => x.type === 'teacher' && !x.reused).length;
    const prepared = e.filter((x) => x.type === 'prepared');
    expect(estimate.plan).toEqual({
      teacherPending: computed,
      subjects: prepared.length,
      validationSubjects: 1,
      iterations: count(e, 'step'),
      validations: count(e, 'validation'),
      checkpoints: count(e, 'checkpoint'),
    });
    expect(computed).toBe(1); // the warm-up computed two of the three teacher fields, kept in the workspace
    const s = estimate.seconds;
    for (const stage of ['teacher', 'setup', 'training', 'validation', 'checkpoints'] as const) expect(s[stage], stage).toBeGreaterThan(0);
    console.log(
      `estimate ${s.total.toFixed(1)} s (teacher ${s.teacher.toFixed(1)}, preparation ${s.setup.toFixed(1)}, steps ${s.training.toFixed(1)}, validations ${s.validation.toFixed(1)}, checkpoints ${s.checkpoints.toFixed(1)}); measured ${done.seconds.toFixed(1)} s (ratio ${(done.seconds / s.total).toFixed(2)}; warm-up ${estimate.warmupSeconds.toFixed(1)} s)`,
    );
    expect(done.seconds / s.total).toBeLessThan(1.5);
    expect(s.total / done.seconds).toBeLessThan(1.5);
    // Everything in the Cohort tab's workspace: the run, the teacher fields, the model.
    expect(path.dirname(done.modelDir!)).toBe(dirs.models(W));
    expect((await readModelCard(done.modelDir!, 'student')).subjects.training.length).toBe(2);
    expect((await fs.readdir(dirs.teachers(W))).length).toBe(1);
    expect((await app.services.models.list({})).some((m) => m.path === done.modelDir)).toBe(true);
    expect((await app.training.list()).map((r) => r.id)).toEqual([first.id]);

    // 2. A second training for the same template reuses the teacher fields; a label transfer goes first.
    const two = follow(app);
    const second = await app.training.start({ ...request, options: { ...request.options, iterations: 8, criticEvery: 5 } });
    two.run = second.id;
    await two.next((x) => x.type === 'step');
    expect(two.events.filter((x) => x.type === 'teacher').every((x) => x.type === 'teacher' && x.reused)).toBe(true);
    await expect(app.training.estimate(request)).rejects.toThrow(/a training is running/); // one thing at a time
    let jobDone = false;
    const job = finishedJob(app.host, 'transfer').then((j) => ((jobDone = true), j));
    const paused = two.next((x) => x.type === 'state' && x.state === 'paused');
    app.host.submit('transfer', {
      templateImage: image('001'),
      templateLabels: labels('001'),
      scan: image('007'),
      engine: 'gn',
      options: {},
      outDir: path.join(scratch, 'transfer'),
    });
    const pausedEvent = await paused;
    expect(pausedEvent).toMatchObject({ reason: TRANSFER_FIRST });
    const running = await two.next((x) => x.type === 'state' && x.state === 'running');
    expect(jobDone).toBe(true); // goes on only once the transfer is done
    expect((await job).state).toBe('done');
    const between = two.events.slice(two.events.indexOf(pausedEvent), two.events.indexOf(running));
    expect(count(between, 'step')).toBe(0);

    // 3. The app quits after a checkpoint, mid-run; the next app finds the run interrupted and resumes it.
    const checkpoint = (await two.next((x) => x.type === 'checkpoint')) as { iteration: number };
    expect(checkpoint.iteration).toBeLessThan(8);
    app.dispose();
    expect((await readRecord(W, second.id)).state).toBe('running'); // as a killed main process leaves it
    app = await startApp(stateDir, scratch);
    await app.services.workspace.open({ folder: W });
    const listed = (await app.training.list()).find((r) => r.id === second.id)!;
    expect(listed.state).toBe('interrupted');
    const three = follow(app);
    three.run = second.id;
    const end = three.finished();
    await app.training.resume({ runId: second.id });
    const finished = await end;
    expect(finished.state, finished.error).toBe('done');
    const resumed = three.events.find((x) => x.type === 'resume') as { from: number } | undefined;
    expect(resumed?.from).toBeGreaterThanOrEqual(checkpoint.iteration);
    const h = await readHistory(runFiles(runDir(W, second.id)).events);
    expect(h.steps.map((x) => x.iteration)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(path.dirname(finished.modelDir!)).toBe(dirs.models(W));
  }, 600_000);
});
