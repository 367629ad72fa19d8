/** Shared by the training tests: the hippocampus scans and the tiny student settings. */
import path from 'node:path';
import { SHARED } from './synthetic.js';

export const HIPPO = path.join(SHARED, 'hippocampus');
export const image = (id: string) => path.join(HIPPO, `hippocampus_${id}_image.nii.gz`);
export const labels = (id: string) => path.join(HIPPO, `hippocampus_${id}_labels.nii.gz`);
/** Template 001; ten scans to train on, two more to use the model on. */
export const TRAIN_IDS = ['003', '004', '006', '007', '008', '011', '014', '015', '017', '019'];
export const USE_IDS = ['020', '023'];
/** Tiny student settings: a few steps on the smallest network grid. */
export const TINY_STUDENT = { grid: [16, 16, 16], iterations: 8, validateEvery: 3, checkpointEvery: 2, maxValidation: 2 };
