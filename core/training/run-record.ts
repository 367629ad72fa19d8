/**
 * A training run on disk: W/training/RUN/run.json (what is trained, its state), with scans/ (links
 * to the chosen scans), model/ (the trainer's folder: logs, checkpoint/, the best model so far) and
 * events.jsonl. The record outlives the process that trains, so a run cut short by a crash or an
 * app restart is found again and resumed from its checkpoint.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { writeTextAtomically } from '../util/atomic.js';
import { LabelWarpError } from '../util/errors.js';
import { dirs } from '../workspace/layout.js';
import { openWorkspace } from '../workspace/workspace.js';
import type { TrainingState } from './events.js';
import type { TrainingScan } from './scan-links.js';
import type { TrainingEstimate } from './estimate-model.js';

export interface TrainingSpec {
  engine: string;
  templateImage: string;
  templateLabels: string;
  /** The template's name where its file's is not telling (a workspace's templates are all image.*). */
  templateName?: string;
  scans: TrainingScan[];
  /** Training options as given (checked against the trainer's schema when the run starts). */
  options: Record<string, unknown>;
}

export interface TrainingRecord extends TrainingSpec {
  id: string;
  state: TrainingState;
  createdAt: string;
  updatedAt: string;
  error?: string;
  /** The finished model's folder (W/models/NAME). */
  modelDir?: string;
  backend?: string;
  device?: string;
  estimate?: TrainingEstimate;
  /** Seconds spent running (teacher and training stages, every attempt; pauses excluded). */
  seconds: number;
  /**
   * Of those, the seconds resumed attempts spent starting again (backend, data, network and
   * checkpoint, before their first step; their teacher work excluded): what an interruption cost,
   * which no estimate foresees.
   */
  restartSeconds?: number;
}

export function runDir(workspace: string, id: string): string {
  return path.join(dirs.trainings(workspace), id);
}

export const runFiles = (dir: string) => ({
  record: path.join(dir, 'run.json'),
  events: path.join(dir, 'events.jsonl'),
  scans: path.join(dir, 'scans'),
  model: path.join(dir, 'model'),
});

export async function saveRecord(workspace: string, r: TrainingRecord): Promise<void> {
  r.updatedAt = new Date().toISOString();
  await writeTextAtomically(runFiles(runDir(workspace, r.id)).record, JSON.stringify(r, null, 2) + '\n');
}

export async function createRecord(workspace: string, spec: TrainingSpec): Promise<TrainingRecord> {
  if (spec.scans.length === 0) throw new LabelWarpError('choose scans to train on');
  await openWorkspace(workspace, { create: true });
  const id = `train-${new Date().toISOString().slice(0, 10)}-${randomBytes(4).toString('hex')}`;
  const now = new Date().toISOString();
  const r: TrainingRecord = { ...spec, id, state: 'new', createdAt: now, updatedAt: now, seconds: 0 };
  await fs.mkdir(runDir(workspace, id), { recursive: true });
  await saveRecord(workspace, r);
  return r;
}

export async function readRecord(workspace: string, id: string): Promise<TrainingRecord> {
  const file = runFiles(runDir(workspace, id)).record;
  try {
    return JSON.parse(await fs.readFile(file, 'utf8')) as TrainingRecord;
  } catch {
    throw new LabelWarpError('no training run here (run.json missing or unreadable)', file);
  }
}

export async function listRecords(workspace: string): Promise<TrainingRecord[]> {
  const root = dirs.trainings(workspace);
  const names = await fs.readdir(root).catch(() => [] as string[]);
  const out: TrainingRecord[] = [];
  for (const n of names) {
    if (n.startsWith('.')) continue;
    const r = await readRecord(workspace, n).catch(() => undefined);
    if (r) out.push(r);
  }
  return out.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
}

/**
 * After a restart: runs recorded as running belong to a process that is gone, so they are
 * interrupted (resumable from their checkpoint).
 */
export async function markInterrupted(workspace: string): Promise<TrainingRecord[]> {
  const changed: TrainingRecord[] = [];
  for (const r of await listRecords(workspace)) {
    if (r.state !== 'running') continue;
    r.state = 'interrupted';
    await saveRecord(workspace, r);
    changed.push(r);
  }
  return changed;
}
