/**
 * Runs: one configuration (template, engine, options, model) applied to scans. The run's id is
 * derived from the configuration, so the same command finds the same run again (and resumes it),
 * and run.json is created only once whoever creates it first. Results are folders under the run,
 * listed from the disk: a scan's history is every run holding a result for it.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { LabelWarpError } from '../util/errors.js';
import { labelwarpVersion } from '../util/version.js';
import { engineOptions, getEngineDefinition } from '../engines/index.js';
import { folderSha256, readModelCard } from '../models/model-format.js';
import { createFolder } from '../results/commit-folder.js';
import { createRecord, readRecord, readRecordIfPresent } from './records.js';
import { PROVENANCE_FILE, RESULT_PREFIX, RUN_FILE, checkId, dirs } from './layout.js';
import { getTemplate, subFolders, removeFolder } from './workspace.js';
import type { TemplateRecord, Workspace } from './workspace.js';
import type { Provenance } from './provenance.js';

export interface RunRecord {
  id: string;
  engine: string;
  /** The engine's options, defaults filled in (the model option is kept in `model`). */
  options: Record<string, unknown>;
  template: { id: string; name: string; imageSha256: string; labelsSha256: string };
  /** A trained model copied into models/ID, or null for the engine's own default. */
  model: { id: string; sha256: string; engine: string } | null;
  createdAt: string;
  labelwarpVersion: string;
}

export interface RunConfig {
  templateId: string;
  engine: string;
  /** Raw options (strings from the command line or values from the app). */
  options?: Record<string, unknown>;
  /** A model folder (copied into the workspace's models/ on first use). */
  model?: string;
}

const sha = (text: string) => createHash('sha256').update(text).digest('hex');

/** Copies a model folder into models/ (once per content); returns its id and checksum. */
async function importModel(ws: Workspace, modelDir: string, engine: string): Promise<NonNullable<RunRecord['model']>> {
  const card = await readModelCard(modelDir, engine);
  const sum = await folderSha256(modelDir);
  const base = path
    .basename(path.resolve(modelDir))
    .replace(/[^A-Za-z0-9_-]+/g, '_')
    .replace(/^-+/, '')
    .slice(0, 48);
  const id = `${base || 'model'}-${sum.slice(0, 8)}`;
  const target = dirs.model(ws.root, id);
  await createFolder(target, (staging) => fs.cp(modelDir, staging, { recursive: true }));
  if ((await folderSha256(target)) !== sum)
    throw new LabelWarpError('differs from the model folder of the same checksum id (damaged copy?)', target);
  return { id, sha256: sum, engine: card.engine };
}

function runId(engine: string, key: object): string {
  return `${engine.replace(/[^A-Za-z0-9_-]+/g, '_')}-${sha(JSON.stringify(key)).slice(0, 10)}`;
}

/** The run for this configuration: found when it exists, created otherwise. */
export async function defineRun(ws: Workspace, config: RunConfig): Promise<RunRecord> {
  const template: TemplateRecord = await getTemplate(ws, config.templateId);
  const definition = getEngineDefinition(config.engine);
  const raw = { ...(config.options ?? {}) };
  const modelPath = config.model ?? (typeof raw.model === 'string' ? raw.model : undefined);
  delete raw.model;
  if (modelPath && !Object.hasOwn(definition.options, 'model')) throw new LabelWarpError(`engine "${config.engine}" takes no model`);
  const options = { ...engineOptions(definition, raw) } as Record<string, unknown>;
  delete options.model;
  const model = modelPath ? await importModel(ws, modelPath, config.engine) : null;
  const key = { engine: config.engine, options, template: [template.image.sha256, template.labels.sha256], model: model?.sha256 ?? null };
  const id = runId(config.engine, key);
  const record: RunRecord = {
    id,
    engine: config.engine,
    options,
    template: { id: template.id, name: template.name, imageSha256: template.image.sha256, labelsSha256: template.labels.sha256 },
    model,
    createdAt: new Date().toISOString(),
    labelwarpVersion: labelwarpVersion(),
  };
  const dir = dirs.run(ws.root, id);
  await fs.mkdir(dirs.jobs(ws.root, id), { recursive: true });
  await createRecord(path.join(dir, RUN_FILE), record);
  await createRecord(path.join(dir, 'dataset_description.json'), {
    Name: `LabelWarp ${config.engine} label transfer from template ${template.name}`,
    BIDSVersion: '1.9.0',
    DatasetType: 'derivative',
    GeneratedBy: [{ Name: 'LabelWarp', Version: labelwarpVersion(), Description: `engine ${config.engine}` }],
  });
  return readRecord<RunRecord>(path.join(dir, RUN_FILE), 'run record');
}

export const getRun = (ws: Workspace, id: string) =>
  readRecord<RunRecord>(path.join(dirs.run(ws.root, checkId(id, 'run')), RUN_FILE), 'run record');

export async function listRuns(ws: Workspace): Promise<RunRecord[]> {
  const out: RunRecord[] = [];
  for (const id of await subFolders(dirs.runs(ws.root))) {
    const r = await readRecordIfPresent<RunRecord>(path.join(dirs.run(ws.root, id), RUN_FILE), 'run record').catch(() => undefined);
    if (r) out.push(r);
  }
  return out;
}

/** The engine options to run with (the run's options and, when it has one, its copied model). */
export function runEngineOptions(ws: Workspace, run: RunRecord): Record<string, unknown> {
  return run.model ? { ...run.options, model: dirs.model(ws.root, run.model.id) } : { ...run.options };
}

export interface ResultRef {
  run: string;
  scan: string;
  dir: string;
}

/** Scans with a finished result in a run (a result folder exists only once complete). */
export async function runResults(ws: Workspace, run: string): Promise<ResultRef[]> {
  return (await subFolders(dirs.run(ws.root, run)))
    .filter((n) => n.startsWith(RESULT_PREFIX))
    .map((n) => ({ run, scan: n.slice(RESULT_PREFIX.length), dir: path.join(dirs.run(ws.root, run), n) }));
}

export async function allResults(ws: Workspace): Promise<ResultRef[]> {
  const out: ResultRef[] = [];
  for (const run of await subFolders(dirs.runs(ws.root))) out.push(...(await runResults(ws, run)));
  return out;
}

export async function readProvenance(dir: string): Promise<Provenance> {
  return readRecord<Provenance>(path.join(dir, PROVENANCE_FILE), 'LabelWarp result (provenance record)');
}

/** Removes one result (the app asks first). */
export async function removeResult(ws: Workspace, run: string, scan: string): Promise<void> {
  await removeFolder(dirs.result(ws.root, checkId(run, 'run'), checkId(scan, 'scan')));
}
