/**
 * The one model-folder format of every learned engine: MODEL_DIR/model.json (the model card, below)
 * beside the engine's own files (weights, logs), all named relative to the folder. The card says
 * which engine reads the model, its configuration, the template it was trained for (file name and
 * SHA-256), the training and validation subjects, the backend, the training time and the
 * validation Dice. Trainers write it with `writeModelCard`; engines read it with `readModelCard`
 * and check the template with `templateWarning`.
 */
import { createHash } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { writeTextAtomically } from '../util/atomic.js';
import { LabelWarpError } from '../util/errors.js';

export const MODEL_FORMAT = 'labelwarp-model';
export const MODEL_FORMAT_VERSION = 2;
export const MODEL_CARD = 'model.json';

export interface FileRef {
  /** File name only (no folder): the card never records paths of the training machine. */
  file: string;
  sha256: string;
}

export interface ModelCard {
  format: typeof MODEL_FORMAT;
  version: typeof MODEL_FORMAT_VERSION;
  /** The engine that reads this model (`labelwarp segment --engine ENGINE --model DIR`). */
  engine: string;
  /** Engine-specific configuration: network shape, weight files (relative), settings it was trained with. */
  config: Record<string, unknown>;
  template: { image: FileRef; labels?: FileRef };
  subjects: { training: string[]; validation: string[] };
  training: {
    /** Tensor backend that trained it (`labelwarp backend`). */
    backend: string;
    /** Wall-clock seconds of training (null where it was not recorded). */
    seconds: number | null;
    /** ISO date of the last write. */
    savedAt: string;
    /** Anything else worth knowing (options, iteration, notes). */
    [key: string]: unknown;
  };
  validation: { dice: number | null; baselineDice?: number | null; [key: string]: unknown };
}

/** What a trainer supplies; the template files are given as paths and recorded by name and checksum. */
export interface ModelCardInput {
  engine: string;
  config: Record<string, unknown>;
  templateImage: string;
  templateLabels?: string;
  subjects: { training: string[]; validation: string[] };
  training: { backend: string; seconds: number | null; [key: string]: unknown };
  validation: ModelCard['validation'];
}

export async function fileSha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  try {
    for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  } catch {
    throw new LabelWarpError('cannot read the file to compute its checksum', file);
  }
  return hash.digest('hex');
}

/** The files of a folder, its subfolders' included, as relative paths with `/`, in name order. */
export async function folderFiles(dir: string): Promise<string[]> {
  const files: string[] = [];
  const walk = async (sub: string) => {
    for (const e of (await fs.readdir(path.join(dir, sub), { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
      const rel = sub ? `${sub}/${e.name}` : e.name;
      if (e.isDirectory()) await walk(rel);
      else if (e.isFile()) files.push(rel);
    }
  };
  await walk('');
  return files;
}

/** Checksum of a model folder: the SHA-256 of every file's relative path and SHA-256, in order. */
export async function folderSha256(dir: string): Promise<string> {
  const lines: string[] = [];
  for (const rel of await folderFiles(dir)) lines.push(`${rel} ${await fileSha256(path.join(dir, rel))}`);
  return createHash('sha256').update(lines.join('\n')).digest('hex');
}

async function fileRef(file: string): Promise<FileRef> {
  return { file: path.basename(file), sha256: await fileSha256(file) };
}

/** Strings in the card that look like absolute paths (a card must be portable). */
function absolutePaths(value: unknown, at = ''): string[] {
  if (typeof value === 'string') return path.isAbsolute(value) || /^[A-Za-z]:[\\/]/.test(value) ? [at] : [];
  if (Array.isArray(value)) return value.flatMap((v, i) => absolutePaths(v, `${at}[${i}]`));
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => absolutePaths(v, at ? `${at}.${k}` : k));
  return [];
}

/** Builds the card (checksumming the template) without writing it. */
export async function buildModelCard(input: ModelCardInput): Promise<ModelCard> {
  const card: ModelCard = {
    format: MODEL_FORMAT,
    version: MODEL_FORMAT_VERSION,
    engine: input.engine,
    config: input.config,
    template: {
      image: await fileRef(input.templateImage),
      ...(input.templateLabels ? { labels: await fileRef(input.templateLabels) } : {}),
    },
    subjects: input.subjects,
    training: { ...input.training, savedAt: new Date().toISOString() },
    validation: input.validation,
  };
  const absolute = absolutePaths(card);
  if (absolute.length > 0) throw new Error(`a model card must hold relative paths only; absolute at ${absolute.join(', ')}`);
  return card;
}

/** Writes DIR/model.json atomically in the common format (the one function every trainer calls). */
export async function writeModelCard(dir: string, input: ModelCardInput): Promise<ModelCard> {
  const card = await buildModelCard(input);
  await fs.mkdir(dir, { recursive: true });
  await writeTextAtomically(path.join(dir, MODEL_CARD), JSON.stringify(card, null, 2) + '\n');
  return card;
}

/** Reads and checks DIR/model.json. `engine`, when given, must be the engine the model is for. */
export async function readModelCard(dir: string, engine?: string): Promise<ModelCard> {
  let doc: Partial<ModelCard>;
  try {
    doc = JSON.parse(await fs.readFile(path.join(dir, MODEL_CARD), 'utf8')) as Partial<ModelCard>;
  } catch {
    throw new LabelWarpError('no readable model.json: not a LabelWarp model folder', dir);
  }
  if (doc.format !== MODEL_FORMAT || doc.version !== MODEL_FORMAT_VERSION)
    throw new LabelWarpError(`unsupported model format ${String(doc.format)} v${String(doc.version)} (expected ${MODEL_FORMAT} v2)`, dir);
  if (typeof doc.engine !== 'string' || !doc.config || !doc.template?.image || !doc.subjects || !doc.training || !doc.validation)
    throw new LabelWarpError('model.json lacks required fields (engine, config, template, subjects, training, validation)', dir);
  if (engine !== undefined && doc.engine !== engine)
    throw new LabelWarpError(`this model is for engine "${doc.engine}", not "${engine}"`, dir);
  return doc as ModelCard;
}

/**
 * A plain warning when the run's template is not the file the model was trained for (different
 * checksum), or undefined when it is, or when the template did not come from a file.
 */
export async function templateWarning(card: ModelCard, modelDir: string, templateFile?: string): Promise<string | undefined> {
  if (!templateFile) return undefined;
  const sha = await fileSha256(templateFile);
  if (sha === card.template.image.sha256) return undefined;
  return `model ${path.basename(path.resolve(modelDir))} was trained for template ${card.template.image.file}, not ${path.basename(templateFile)} (different checksum): results may be poor`;
}
