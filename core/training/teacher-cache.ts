/**
 * The teacher stage of a training run: fields of the teacher registration (e.g. `gn` for the
 * student) for every labelled scan, cached in the workspace under a key made of the template's
 * checksums and the teacher's configuration, so later trainings for the same template reuse them.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileSha256 } from '../models/model-format.js';
import { exportTeacherFields, teacherDone } from '../learned/teacher-fields.js';
import type { ScanEntry } from '../learned/dataset.js';
import type { ProgressFn } from '../pipeline/progress.js';
import { writeTextAtomically } from '../util/atomic.js';
import { LabelWarpError } from '../util/errors.js';

export interface TeacherConfig {
  engine: string;
  options: Record<string, unknown>;
}

/** A model folder named in the teacher's options counts by its card's checksum, not its path. */
async function optionFingerprint(options: Record<string, unknown>): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(options).sort(([a], [b]) => a.localeCompare(b))) {
    if (k === 'model' && typeof v === 'string') out[k] = await fileSha256(path.join(v, 'model.json'));
    else out[k] = v;
  }
  return out;
}

/** The cache key: SHA-256 over the template image and labels checksums and the teacher configuration. */
export async function teacherKey(templateImage: string, templateLabels: string, teacher: TeacherConfig): Promise<string> {
  const doc = {
    image: await fileSha256(templateImage),
    labels: await fileSha256(templateLabels),
    engine: teacher.engine,
    options: await optionFingerprint(teacher.options),
  };
  return createHash('sha256').update(JSON.stringify(doc)).digest('hex').slice(0, 24);
}

export async function teacherCacheDir(
  teachersRoot: string,
  templateImage: string,
  templateLabels: string,
  teacher: TeacherConfig,
): Promise<string> {
  const dir = path.join(teachersRoot, await teacherKey(templateImage, templateLabels, teacher));
  await fs.mkdir(dir, { recursive: true });
  const about = path.join(dir, 'teacher.json');
  if (!(await fs.stat(about).catch(() => undefined)))
    await writeTextAtomically(
      about,
      JSON.stringify({ template: path.basename(templateImage), labels: path.basename(templateLabels), ...teacher }, null, 2) + '\n',
    );
  return dir;
}

export interface TeacherScanEvent {
  scan: string;
  /** Scans finished so far (computed or reused), of `total`. */
  done: number;
  total: number;
  reused: boolean;
  seconds: number;
}

export interface TeacherStageOptions {
  dir: string;
  templateImage: string;
  templateLabels: string;
  scans: ScanEntry[];
  teacher: TeacherConfig;
  /** At most this many fields are computed (the estimate's warm-up); the rest stay pending. */
  limit?: number;
  /** Awaited before each scan (pause). */
  atBoundary?: () => Promise<void>;
  signal?: AbortSignal;
  onScan?: (e: TeacherScanEvent) => void;
  onProgress?: ProgressFn;
  log: (line: string) => void;
}

/** Scans whose field is not cached yet. */
export async function pendingTeacherScans(dir: string, scans: ScanEntry[]): Promise<ScanEntry[]> {
  const out: ScanEntry[] = [];
  for (const s of scans) if (!(await teacherDone(dir, s.id))) out.push(s);
  return out;
}

/** Runs the teacher where its field is missing, one scan at a time; returns the seconds of each computed scan. */
export async function runTeacherStage(o: TeacherStageOptions): Promise<number[]> {
  const computed: number[] = [];
  for (const [i, scan] of o.scans.entries()) {
    if (o.signal?.aborted) break;
    if (await teacherDone(o.dir, scan.id)) {
      o.onScan?.({ scan: scan.id, done: i + 1, total: o.scans.length, reused: true, seconds: 0 });
      continue;
    }
    if (o.limit !== undefined && computed.length >= o.limit) continue;
    await o.atBoundary?.();
    const t0 = performance.now();
    const counts = await exportTeacherFields({
      templateImage: o.templateImage,
      templateLabels: o.templateLabels,
      scans: [scan],
      out: o.dir,
      engine: o.teacher.engine,
      engineOptions: o.teacher.options,
      progress: () => ({
        onProgress: o.onProgress && ((p) => o.onProgress!({ ...p, fraction: (i + p.fraction) / o.scans.length })),
        done: () => undefined,
      }),
      log: o.log,
    });
    if (counts.failed > 0) throw new LabelWarpError(`the teacher (${o.teacher.engine}) failed on ${scan.id}`, scan.image);
    const seconds = (performance.now() - t0) / 1000;
    computed.push(seconds);
    o.onScan?.({ scan: scan.id, done: i + 1, total: o.scans.length, reused: false, seconds });
  }
  return computed;
}
