import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initTensorBackend } from '../../core/tensor/backend.js';
import { discriminatorLayers, studentLayers } from '../../core/engines/student/network.js';
import type { StudentArchitecture } from '../../core/engines/student/network.js';
import { ParamSet } from '../../core/engines/student/params.js';
import { trainingStep } from '../../core/engines/student/training-step.js';
import { VariableAdam } from '../../core/tensor/variable-adam.js';
import type { LossWeights, Nets, StepData } from '../../core/engines/student/training-step.js';

const N = 16;
/** The student's layout with fewer channels, so that the test runs in seconds on a busy CPU. */
const ARCH: StudentArchitecture = { encoder: [4, 8, 8, 8], decoder: [8, 8, 4] };

/** A blob image, the same blob shifted by 1.5 voxels along x, and the teacher field of that shift. */
function pair(): StepData {
  const n = N ** 3;
  const template = new Float32Array(n);
  const scan = new Float32Array(n);
  const teacher = new Float32Array(3 * n);
  const oneHot = new Float32Array(n);
  const scanOneHot = new Float32Array(n);
  let v = 0;
  for (let z = 0; z < N; z++)
    for (let y = 0; y < N; y++)
      for (let x = 0; x < N; x++, v++) {
        const r2 = (cx: number) => ((x - cx) ** 2 + (y - 7.5) ** 2 + (z - 7.5) ** 2) / 12;
        template[v] = Math.exp(-r2(7.5));
        scan[v] = Math.exp(-r2(6));
        teacher[3 * v] = 1.5; // scan(x) = template(x + 1.5)
        oneHot[v] = template[v] > 0.5 ? 1 : 0;
        scanOneHot[v] = scan[v] > 0.5 ? 1 : 0;
      }
  return { dims: [N, N, N], template, scan, teacher, templateOneHot: oneHot, scanOneHot, classes: 1 };
}

const WEIGHTS: LossWeights = {
  gamma: 0.5,
  gpLambda: 10,
  beta: 0.5,
  teacher: 1,
  folding: 10,
  foldingTau: 0.1,
  smoothness: 0.1,
  inverseConsistency: 1,
  cycleImage: 10,
  cycleOther: 3,
  labels: 1,
};

function nets(cycle: boolean): Nets {
  return {
    arch: ARCH,
    student: new ParamSet(studentLayers(ARCH), undefined, 1),
    critic: new ParamSet(discriminatorLayers([4, 4, 4, 4, 4]), undefined, 2, 0.1),
    backward: cycle ? new ParamSet(studentLayers(ARCH), undefined, 3) : undefined,
    optStudent: new VariableAdam(3e-3),
    optCritic: new VariableAdam(1e-4),
  };
}

function disposeNets(n: Nets): void {
  n.student.dispose();
  n.critic.dispose();
  n.backward?.dispose();
  n.optStudent.dispose();
  n.optCritic.dispose();
}

describe('student training', () => {
  beforeAll(async () => {
    await initTensorBackend();
  });

  it('the loss decreases in a short run (discriminator updated every second step)', () => {
    const n = nets(false);
    const data = pair();
    const losses: number[] = [];
    for (let i = 0; i < 16; i++) losses.push(trainingStep(n, data, WEIGHTS, i % 2 === 1, { ic: false, cycle: false }).loss);
    const first = (losses[0] + losses[1]) / 2;
    const last = (losses[14] + losses[15]) / 2;
    expect(last).toBeLessThan(0.7 * first);
    disposeNets(n);
  });

  it("the label term alone moves the warped template labels onto the scan's", () => {
    const n = nets(false);
    const data = pair();
    const only: LossWeights = { ...WEIGHTS, gamma: 1, teacher: 0, folding: 0, smoothness: 0, labels: 1 };
    const dice: number[] = [];
    for (let i = 0; i < 20; i++) dice.push(trainingStep(n, data, { ...only, gamma: 1 }, false, { ic: false, cycle: false }).labels);
    // gamma 1 keeps l_rec in the loss; the label term must fall on its own account too.
    expect(dice[19]).toBeLessThan(0.8 * dice[0]);
    disposeNets(n);
  });

  it('tensor count stays the same across steps, with every option on', () => {
    const n = nets(true);
    const data = pair();
    const opts = { ic: true, cycle: true };
    // Adam creates its moment variables on the first steps of each optimizer.
    trainingStep(n, data, WEIGHTS, true, opts);
    trainingStep(n, data, WEIGHTS, true, opts);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      const terms = trainingStep(n, data, WEIGHTS, i === 1, opts);
      for (const k of [
        'loss',
        'rec',
        'dis',
        'teacher',
        'fold',
        'smooth',
        'ic',
        'rec_back',
        'cyc_image',
        'cyc_trans',
        'cyc_anatomy',
        'labels',
      ])
        expect(Number.isFinite(terms[k])).toBe(true);
      // The critic's terms (its loss and gradient penalty, log.csv's critic and gp) on the steps that update it.
      for (const k of ['critic', 'gp']) expect(terms[k] === undefined, k).toBe(i !== 1);
      if (i === 1) expect(terms.gp).toBeGreaterThanOrEqual(0);
    }
    expect(tf.memory().numTensors).toBe(before);
    disposeNets(n);
  });
});
