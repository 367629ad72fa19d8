/** The training-run controller's parts: pause gate, run log, estimate arithmetic, teacher cache key, scan links, contract. */
import { describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PauseGate } from '../../core/training/pause-gate.js';
import { appendEvent, readHistory } from '../../core/training/events.js';
import { extrapolate, planFor } from '../../core/training/estimate-model.js';
import { teacherKey } from '../../core/training/teacher-cache.js';
import { linkScans, scanId } from '../../core/training/scan-links.js';
import { listScans } from '../../core/learned/dataset.js';
import { ContractError, validateRequest } from '../../core/ipc/contract.js';
import { CancelledError } from '../../core/util/errors.js';
import { image, labels } from '../helpers/training.js';

const tmp = () => fs.mkdtemp(path.join(os.tmpdir(), 'lw-training-'));

describe('PauseGate', () => {
  it('passes while no reason holds, waits while any does, and rejects once cancelled', async () => {
    const gate = new PauseGate();
    const changes: boolean[] = [];
    gate.onChange = (p) => changes.push(p);
    await gate.wait();
    gate.pause('user');
    gate.pause('label transfer running');
    let passed = false;
    const waiting = gate.wait().then(() => (passed = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(passed).toBe(false);
    gate.unpause('user');
    await new Promise((r) => setTimeout(r, 20));
    expect(passed).toBe(false);
    gate.unpause('label transfer running');
    await waiting;
    expect(passed).toBe(true);
    expect(changes).toEqual([true, false]);
    gate.pause('user');
    const cancelled = gate.wait();
    gate.cancel();
    await expect(cancelled).rejects.toBeInstanceOf(CancelledError);
    await expect(gate.wait()).rejects.toBeInstanceOf(CancelledError);
  });
});

describe('run log', () => {
  it('keeps the latest record of each step and drops steps after a resume point', async () => {
    const file = path.join(await tmp(), 'events.jsonl');
    const step = (iteration: number, loss: number) =>
      appendEvent(file, { type: 'step', iteration, iterations: 10, terms: { loss }, seconds: 1, interval: 1, remainingSeconds: null });
    for (let i = 1; i <= 5; i++) await step(i, i);
    await appendEvent(file, { type: 'validation', iteration: 4, dice: 0.5, seconds: 0.1 });
    await appendEvent(file, { type: 'validation', iteration: 5, dice: 0.6, seconds: 0.1 });
    await appendEvent(file, { type: 'teacher', scan: 'a', done: 1, total: 2, reused: false, seconds: 3 });
    await appendEvent(file, { type: 'teacher', scan: 'b', done: 2, total: 2, reused: true, seconds: 0 });
    // The process died after step 5; the checkpoint was at step 4.
    await appendEvent(file, { type: 'resume', from: 4 });
    await step(5, 50);
    await fs.appendFile(file, '{"type":"step","iter'); // a line cut short by a crash
    const h = await readHistory(file);
    expect(h.steps.map((s) => [s.iteration, s.terms.loss])).toEqual([
      [1, 1],
      [2, 2],
      [3, 3],
      [4, 4],
      [5, 50],
    ]);
    expect(h.validations.map((v) => v.iteration)).toEqual([4]);
    expect(h.teacher).toEqual({ done: 2, total: 2, computed: 1, seconds: 3 });
  });
});

describe('estimate arithmetic', () => {
  it('follows the trainers’ split and validation schedule', () => {
    const p = planFor(
      { iterations: 12, validateEvery: 4, checkpointEvery: 5, validationFraction: 0.2, maxValidation: 2, maxTraining: 60 },
      10,
      8,
    );
    expect(p).toEqual({ teacherPending: 8, subjects: 10, validationSubjects: 2, iterations: 12, validations: 3, checkpoints: 3 });
    expect(planFor({ iterations: 13, validateEvery: 5, validationFraction: 0.2, maxValidation: 1 }, 10, 0).validations).toBe(3);
    expect(planFor({ iterations: 13, validateEvery: 5, validationFraction: 0.2, maxValidation: 1 }, 10, 0).subjects).toBe(9);
    expect(() => planFor({ epochs: 3 }, 10, 0)).toThrow(/iterations/);
    const s = extrapolate(
      {
        teacherSecondsPerScan: 5,
        setupSeconds: 3,
        setupSecondsPerSubject: 2,
        firstStepSeconds: 4,
        stepSeconds: 1,
        validationSecondsPerSubject: 0.5,
        validationOverheadSeconds: 0.25,
        checkpointSeconds: 0.5,
        steps: 4,
      },
      p,
    );
    expect(s).toEqual({
      teacher: 40,
      setup: 3 + 20,
      training: 12,
      validation: 3 * (1 + 0.25),
      checkpoints: 1.5,
      total: 40 + 23 + 12 + 3.75 + 1.5,
    });
  });
});

describe('teacher cache key', () => {
  it('changes with the template and the teacher configuration, and only with them', async () => {
    const gn = { engine: 'gn', options: {} };
    const a = await teacherKey(image('001'), labels('001'), gn);
    expect(await teacherKey(image('001'), labels('001'), { engine: 'gn', options: {} })).toBe(a);
    expect(await teacherKey(image('003'), labels('003'), gn)).not.toBe(a);
    expect(await teacherKey(image('001'), labels('001'), { engine: 'gn', options: { lambda: 2 } })).not.toBe(a);
    expect(await teacherKey(image('001'), labels('001'), { engine: 'affine', options: {} })).not.toBe(a);
  });
});

describe('scan links', () => {
  it('gathers scans from anywhere under the names the trainers read, and refuses two scans of one name', async () => {
    const dir = await tmp();
    const entries = await linkScans(path.join(dir, 'scans'), [{ image: image('003'), labels: labels('003') }, { image: image('004') }]);
    expect(entries.map((e) => e.id)).toEqual(['hippocampus_003', 'hippocampus_004']);
    const listed = await listScans(path.join(dir, 'scans'), path.join(dir, 'scans'));
    expect(listed.map((s) => [s.id, Boolean(s.labels)])).toEqual([
      ['hippocampus_003', true],
      ['hippocampus_004', false],
    ]);
    expect(scanId('/x/IXI014_t1.nii.gz')).toBe('IXI014');
    await expect(linkScans(path.join(dir, 'two'), [{ image: image('003') }, { image: image('003') }])).rejects.toThrow(/two scans/);
  });
});

describe('training contract', () => {
  it('accepts training requests with number lists and refuses malformed ones', () => {
    const ok = validateRequest('training.start', {
      templateId: 'tpl-1',
      scanIds: ['scan-1', 'scan-2'],
      engine: 'student',
      options: { grid: [16, 16, 16], iterations: 12 },
      estimateId: 'est-1',
    });
    expect(ok.options).toEqual({ grid: [16, 16, 16], iterations: 12 });
    // The template and scans of the Cohort tab's workspace, or the app's.
    expect(validateRequest('training.estimate', { from: 'workspace', templateId: 't', scanIds: ['s'], engine: 'student' }).from).toBe(
      'workspace',
    );
    expect(() => validateRequest('training.estimate', { from: 'disk', templateId: 't', scanIds: ['s'], engine: 'student' })).toThrow(
      /one of workspace, app/,
    );
    expect(() => validateRequest('training.estimate', { templateId: 'tpl-1', scanIds: [], engine: 'student' })).toThrow(ContractError);
    expect(() => validateRequest('training.estimate', { templateId: 'tpl-1', scanIds: ['s'], engine: 'student', estimateId: 'x' })).toThrow(
      /unexpected/,
    );
    expect(() =>
      validateRequest('training.start', { templateId: 'tpl-1', scanIds: ['s'], engine: 'student', options: { grid: ['a'] } }),
    ).toThrow(/bad value/);
    expect(() => validateRequest('training.pause', { runId: '../x' })).toThrow(/valid id/);
    expect(validateRequest('models.list', { templateId: 'tpl-1' })).toEqual({ templateId: 'tpl-1' });
    expect(validateRequest('models.list', { templateId: 'hippocampus_001', from: 'workspace' }).from).toBe('workspace');
    expect(() => validateRequest('models.list', { engine: 'student' })).toThrow(/unexpected/);
  });
});
