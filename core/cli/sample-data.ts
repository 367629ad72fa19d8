import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository (or installed app) root: core/cli/ is two levels below it. */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const RESOURCES = path.join(ROOT, 'resources');

export const SAMPLE = {
  credit: 'IXI data CC BY-SA 3.0 (brain-development.org); DLMUSE labels (CBICA, MIT)',
  templateImage: path.join(RESOURCES, 'sample', 'ixi', 'IXI012_t1.nii.gz'),
  templateLabels: path.join(RESOURCES, 'sample', 'ixi', 'IXI012_labels.nii.gz'),
  scans: ['IXI014', 'IXI015'].map((s) => ({
    id: s,
    image: path.join(RESOURCES, 'sample', 'ixi', `${s}_t1.nii.gz`),
    labels: path.join(RESOURCES, 'sample', 'ixi', `${s}_labels.nii.gz`),
  })),
};

/** The shared data folder: $LABELWARP_DATA, else ../shared/data beside the checkout. */
export function sharedDataDir(): string {
  return process.env.LABELWARP_DATA ?? path.resolve(ROOT, '..', 'shared', 'data');
}
