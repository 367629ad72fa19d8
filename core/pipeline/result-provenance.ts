/**
 * What made one result of `segment`, the app's Review tab or the demo (metrics.json `provenance`):
 * the LabelWarp build, the engine with every option as it ran (defaults filled in), the trained
 * model folder it loaded with its checksum (the bundled default too), and the tensor backend. A
 * cohort workspace writes a fuller record beside its results (core/workspace/provenance.ts).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { defaultOptions, engineOptions, getEngineDefinition } from '../engines/index.js';
import { folderFiles, folderSha256 } from '../models/model-format.js';
import { labelwarpVersion } from '../util/version.js';

export interface ResultProvenance {
  labelwarp: { version: string; node: string; platform: string };
  engine: { name: string; options: Record<string, unknown> };
  /** The model folder loaded (absolute) and its checksum (folderSha256); null: the engine used none. */
  model: { folder: string; name: string; sha256: string } | null;
  backend: string;
}

/** The LabelWarp build that computes here. */
export function labelwarpBuild(): ResultProvenance['labelwarp'] {
  return { version: labelwarpVersion(), node: process.version, platform: `${process.platform}-${process.arch}` };
}

/**
 * Checksums of the model folders hashed in this process (the engine host runs scan after scan with
 * one model: 16–76 ms of hashing each time), with the listing they were taken from: a folder whose
 * files, sizes or times changed is hashed again.
 */
const checksums = new Map<string, { listing: string; sha256: string }>();

async function modelChecksum(folder: string): Promise<string> {
  const files = await folderFiles(folder);
  const stats = await Promise.all(files.map((f) => fs.stat(path.join(folder, f))));
  const listing = files.map((f, i) => `${f} ${stats[i].size} ${stats[i].mtimeMs}`).join('\n');
  const known = checksums.get(folder);
  if (known?.listing === listing) return known.sha256;
  const sha256 = await folderSha256(folder);
  checksums.set(folder, { listing, sha256 });
  return sha256;
}

export async function resultProvenance(engine: string, given: Record<string, unknown>, backend: string): Promise<ResultProvenance> {
  const definition = getEngineDefinition(engine);
  const options: Record<string, unknown> = { ...engineOptions(definition, given) };
  const folder = definition.modelFolder?.(options as never);
  delete options.model;
  const resolved = folder && path.resolve(folder);
  const model = resolved ? { folder: resolved, name: path.basename(resolved), sha256: await modelChecksum(resolved) } : null;
  return { labelwarp: labelwarpBuild(), engine: { name: engine, options }, model, backend };
}

/**
 * One line naming what set a result apart from the engine's defaults: its model, then each option
 * that differs (`name=value`); empty where it ran as the engine's defaults.
 */
export function settingsLine(p: Pick<ResultProvenance, 'engine' | 'model'>): string {
  const defaults: Record<string, unknown> = { ...defaultOptions(getEngineDefinition(p.engine.name).options) };
  const text = (v: unknown) => (Array.isArray(v) ? v.join(',') : String(v));
  const changed = Object.entries(p.engine.options)
    .filter(([name, value]) => text(value) !== text(defaults[name]))
    .map(([name, value]) => `${name}=${text(value)}`);
  return [p.model ? `model ${p.model.name}` : '', ...changed].filter(Boolean).join(' · ');
}
