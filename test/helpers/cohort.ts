/** Hippocampus cohorts for the workspace tests: a folder of links to N scans (with labels) and the template. */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { SHARED } from './synthetic.js';

export const HIPPO = path.join(SHARED, 'hippocampus');
export const TEMPLATE = {
  image: path.join(HIPPO, 'hippocampus_001_image.nii.gz'),
  labels: path.join(HIPPO, 'hippocampus_001_labels.nii.gz'),
};

/** The first `n` hippocampus subjects after the template, sorted. */
export async function hippocampusIds(n: number): Promise<string[]> {
  const ids = (await fs.readdir(HIPPO))
    .map((f) => /^hippocampus_(\d+)_image\.nii\.gz$/.exec(f)?.[1])
    .filter((x): x is string => Boolean(x) && x !== '001')
    .sort();
  if (ids.length < n) throw new Error(`${HIPPO} holds ${ids.length} scans, ${n} needed`);
  return ids.slice(0, n);
}

/** A folder of symbolic links to `n` scans and their labels (as `cohort run --scans` reads them). */
export async function cohortFolder(dir: string, n: number): Promise<string[]> {
  await fs.mkdir(dir, { recursive: true });
  const ids = await hippocampusIds(n);
  for (const id of ids)
    for (const what of ['image', 'labels'])
      await fs.symlink(path.join(HIPPO, `hippocampus_${id}_${what}.nii.gz`), path.join(dir, `hippocampus_${id}_${what}.nii.gz`));
  return ids.map((id) => `hippocampus_${id}`);
}

/** Flags of `cohort run` for the template, a scans folder and the fast affine settings used in tests. */
export function cohortRunArgs(workspace: string, scans: string, extra: string[] = []): string[] {
  return [
    'cohort',
    'run',
    '--workspace',
    workspace,
    '--template-image',
    TEMPLATE.image,
    '--template-labels',
    TEMPLATE.labels,
    '--scans',
    scans,
    '--engine',
    'affine',
    ...extra,
  ];
}
