/**
 * The on-disk layout of a cohort workspace (a folder the user chooses). Plain NIfTI, JSON and
 * CSV, laid out like a BIDS derivatives dataset, so that other tools read it:
 *
 *   W/workspace.json                      format, version, creation (written once)
 *   W/templates/ID/template.json          name, files and their SHA-256; image.nii.gz, labels.nii.gz
 *   W/scans/ID/scan.json                  name, files and their SHA-256; image.nii.gz [, labels.nii.gz]
 *   W/models/ID/                          copies of the trained models used (model.json, weights)
 *   W/runs/RUN/run.json                   engine, options, template, model (one configuration)
 *   W/runs/RUN/dataset_description.json   BIDS derivatives description
 *   W/runs/RUN/sub-ID/                    one result: labels, displacement, warped template,
 *                                         metrics.json, provenance.json (committed as a whole)
 *   W/runs/RUN/jobs/ID.json               a job being written (or interrupted, if its owner died)
 *   W/runs/RUN/jobs/ID.failed.json        the last failure of that job
 *   W/teachers/KEY/SCAN/                  teacher fields for training, KEY from the template's
 *                                         checksums and the teacher's configuration (core/training)
 *   W/training/RUN/                       a training run: run.json, events.jsonl, scan links,
 *                                         the trainer's folder; the finished model moves to models/
 *
 * Every file is written once under its final name (by rename, or by creating a whole folder), so
 * there is no shared index to lose updates: listings are derived from the folders.
 */
import path from 'node:path';
import { LabelWarpError } from '../util/errors.js';

export const WORKSPACE_FORMAT = 'labelwarp-workspace';
/** Version of the layout this LabelWarp writes and reads. */
export const WORKSPACE_VERSION = 1;
export const WORKSPACE_FILE = 'workspace.json';

export const TEMPLATE_FILE = 'template.json';
export const SCAN_FILE = 'scan.json';
export const RUN_FILE = 'run.json';
export const PROVENANCE_FILE = 'provenance.json';
export const RESULT_PREFIX = 'sub-';

export const dirs = {
  templates: (root: string) => path.join(root, 'templates'),
  scans: (root: string) => path.join(root, 'scans'),
  models: (root: string) => path.join(root, 'models'),
  runs: (root: string) => path.join(root, 'runs'),
  teachers: (root: string) => path.join(root, 'teachers'),
  trainings: (root: string) => path.join(root, 'training'),
  template: (root: string, id: string) => path.join(root, 'templates', id),
  scan: (root: string, id: string) => path.join(root, 'scans', id),
  model: (root: string, id: string) => path.join(root, 'models', id),
  run: (root: string, run: string) => path.join(root, 'runs', run),
  result: (root: string, run: string, scan: string) => path.join(root, 'runs', run, RESULT_PREFIX + scan),
  jobs: (root: string, run: string) => path.join(root, 'runs', run, 'jobs'),
  claim: (root: string, run: string, scan: string) => path.join(root, 'runs', run, 'jobs', `${scan}.json`),
  failure: (root: string, run: string, scan: string) => path.join(root, 'runs', run, 'jobs', `${scan}.failed.json`),
};

/** Identifiers are folder names and the app's ids: letters, digits, '-', '_', not starting with '-'. */
const ID = /^[A-Za-z0-9_][A-Za-z0-9_-]{0,63}$/;

export function checkId(id: string, what: string): string {
  if (!ID.test(id)) throw new LabelWarpError(`"${id}" is not a valid ${what} id (letters, digits, '-', '_')`);
  return id;
}

/** An id from a file name: the name without its volume extension and a trailing _image/_t1, cleaned. */
export function idFromFile(file: string): string {
  const base = path
    .basename(file)
    .replace(/\.(nii\.gz|nii|nrrd|mha)$/i, '')
    .replace(/_(image|t1|img)$/i, '');
  const cleaned = base.replace(/[^A-Za-z0-9_-]+/g, '_').replace(/^-+/, '');
  return cleaned.slice(0, 56) || 'item';
}

/** The extension a copied volume keeps (the readers choose the format by it). */
export function volumeExtension(file: string): string {
  const m = /\.(nii\.gz|nii|nrrd|mha)$/i.exec(file);
  if (!m)
    throw new LabelWarpError(
      'cannot be imported into a workspace: use a .nii, .nii.gz, .nrrd or .mha file (one file holding header and voxels)',
      file,
    );
  return '.' + m[1].toLowerCase();
}
