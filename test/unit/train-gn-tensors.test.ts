/**
 * `labelwarp train gn` in this process: the unrolled features (MIND-SSC, the network's channels and
 * the intensity channel) leave no tensors behind, and the model records the intensity weight it was
 * trained and validated with.
 */
import { describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initTensorBackend } from '../../core/tensor/backend.js';
import { trainGaussNewton } from '../../core/learned/train-gn.js';
import { GN_OPTIONS } from '../../core/engines/gn/options.js';
import { defaultOptions } from '../../core/engines/options.js';
import { SHARED } from '../helpers/synthetic.js';

const H = (id: string, what: 'image' | 'labels') => path.join(SHARED, 'hippocampus', `hippocampus_${id}_${what}.nii.gz`);

describe('gn training', () => {
  it('trains with the intensity channel and leaves no tensors behind', async () => {
    await initTensorBackend();
    const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'lw-train-gn-'));
    const scans = path.join(tmp, 'scans');
    await fs.mkdir(scans);
    for (const id of ['003', '004', '006']) {
      await fs.copyFile(H(id, 'image'), path.join(scans, `hippocampus_${id}_image.nii.gz`));
      await fs.copyFile(H(id, 'labels'), path.join(scans, `hippocampus_${id}_labels.nii.gz`));
    }
    const before = tf.memory().numTensors;
    const r = await trainGaussNewton({
      templateImage: H('001', 'image'),
      templateLabels: H('001', 'labels'),
      scansDir: scans,
      scanLabelsDir: scans,
      outDir: path.join(tmp, 'model'),
      iterations: 1,
      validationFraction: 0.34,
      validateEvery: 1,
      steps: 2,
      hidden: 2,
      outChannels: 2,
      log: () => {},
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(r.bestValidationDice).toBeGreaterThan(0);
    const model = JSON.parse(await fs.readFile(path.join(tmp, 'model', 'model.json'), 'utf8'));
    expect(defaultOptions(GN_OPTIONS).intensityWeight).toBeGreaterThan(0);
    expect(model.config.training.intensityWeight).toBe(defaultOptions(GN_OPTIONS).intensityWeight);
    await fs.rm(tmp, { recursive: true, force: true });
  }, 120_000);
});
