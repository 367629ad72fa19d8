/**
 * Finding model folders: the bundled ones (resources/models/) and those in folders the user names.
 * A folder is a model when it holds model.json; otherwise its sub-folders are searched (one level).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { MODEL_CARD, readModelCard } from './model-format.js';
import type { ModelCard } from './model-format.js';
import { describeError } from '../util/errors.js';

export interface FoundModel {
  dir: string;
  /** The card, or why it could not be read. */
  card?: ModelCard;
  error?: string;
}

async function isModel(dir: string): Promise<boolean> {
  return Boolean(await fs.stat(path.join(dir, MODEL_CARD)).catch(() => undefined));
}

async function modelDirs(dir: string): Promise<string[]> {
  if (await isModel(dir)) return [dir];
  const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => undefined);
  if (!entries) return [];
  const subs = entries.filter((e) => e.isDirectory()).map((e) => path.join(dir, e.name));
  const found = await Promise.all(subs.map(async (s) => ((await isModel(s)) ? s : undefined)));
  return found.filter((s): s is string => s !== undefined).sort();
}

export async function findModels(folders: string[]): Promise<FoundModel[]> {
  const out: FoundModel[] = [];
  for (const folder of folders) {
    for (const dir of await modelDirs(folder)) {
      try {
        out.push({ dir, card: await readModelCard(dir) });
      } catch (err) {
        out.push({ dir, error: describeError(err) });
      }
    }
  }
  return out;
}
