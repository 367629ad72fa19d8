/**
 * Teacher deformations for learned engines (`labelwarp teach`, and the student's trainer, which
 * runs or reuses them): per scan, OUT/<scan id>/ is a result folder (core/results/result-folder.ts)
 * with the displacement (the whole template-to-scan mapping as u(x) = T(x) − x on the scan's grid,
 * LPS mm), transform.json, labels when template labels are given, and metrics.json. Finished scans are skipped, so an interrupted run
 * resumes; a scan that fails is reported and the others go on.
 */
import path from 'node:path';
import { promises as fs } from 'node:fs';
import { readVolume } from '../volume/io.js';
import { gridOf } from '../volume/volume.js';
import type { Volume } from '../volume/volume.js';
import { registerScan } from '../pipeline/register.js';
import { segmentMemory } from '../pipeline/segment-memory.js';
import { AffineTransform, evaluateOnGrid } from '../registration/transform.js';
import type { TransformDescription } from '../registration/transform.js';
import { sampleAtCoordinates } from '../kernels/resample.js';
import { resultFile, writeResultFolder } from '../results/result-folder.js';
import { describeError, LabelWarpError } from '../util/errors.js';
import type { ProgressFn } from '../pipeline/progress.js';
import type { ScanEntry } from './dataset.js';

export interface TeacherRun {
  templateImage: string;
  templateLabels?: string;
  scans: ScanEntry[];
  out: string;
  engine: string;
  engineOptions: Record<string, unknown>;
  /** A progress callback per scan (and a function to close it), e.g. a terminal bar. */
  progress?: (label: string) => { onProgress?: ProgressFn; done(): void };
  log(line: string): void;
}

export interface TeacherCounts {
  done: number;
  skipped: number;
  failed: number;
}

export function teacherDir(out: string, id: string): string {
  return path.join(out, id);
}

/** The file marking a finished scan: the result folder's metrics.json, or done.json of earlier versions. */
async function finishedMarker(out: string, id: string): Promise<string | undefined> {
  const dir = teacherDir(out, id);
  for (const f of [resultFile(dir, 'metrics'), path.join(dir, 'done.json')]) if (await fs.stat(f).catch(() => undefined)) return f;
  return undefined;
}

export async function teacherDone(out: string, id: string): Promise<boolean> {
  return (await finishedMarker(out, id)) !== undefined;
}

export async function exportTeacherFields(run: TeacherRun): Promise<TeacherCounts> {
  const templateImage = await readVolume(run.templateImage, 'image');
  const templateLabels = run.templateLabels ? await readVolume(run.templateLabels, 'labels') : undefined;
  const counts: TeacherCounts = { done: 0, skipped: 0, failed: 0 };
  for (const [i, scan] of run.scans.entries()) {
    const dir = teacherDir(run.out, scan.id);
    if (await teacherDone(run.out, scan.id)) {
      counts.skipped++;
      continue;
    }
    const progress = run.progress?.(`[${i + 1}/${run.scans.length}] ${scan.id}`);
    try {
      const image = await readVolume(scan.image, 'image');
      const r = await registerScan(image, templateImage, {
        engine: run.engine,
        engineOptions: run.engineOptions,
        onProgress: progress?.onProgress,
        templateFile: run.templateImage,
        callerBytes: segmentMemory(image),
      });
      const grid = gridOf(image);
      const evaluated = evaluateOnGrid(r.transform, grid, { displacement: true, source: templateLabels ? templateImage : undefined });
      await writeResultFolder(dir, {
        grid,
        labels: templateLabels ? sampleAtCoordinates(templateLabels, grid, evaluated.sourceIndex!, 'label-linear').data : undefined,
        transform: r.transform,
        displacementMm: evaluated.displacementMm,
        metrics: {
          scan: path.resolve(scan.image),
          engine: run.engine,
          seconds: r.seconds,
          warnings: r.warnings,
          finishedAt: new Date().toISOString(),
        },
      });
      counts.done++;
    } catch (err) {
      counts.failed++;
      run.log(`${scan.id}: failed: ${describeError(err)}`);
    } finally {
      progress?.done();
    }
  }
  return counts;
}

export interface TeacherField {
  /** u(x) = T(x) − x of the whole mapping on the scan's grid (LPS mm). */
  displacement: Volume<Float32Array>;
  /** The last affine of the mapping (the pre-alignment of a composed engine), identity when none. */
  affine: AffineTransform;
  /** The teacher's registration seconds. */
  seconds: number;
}

function lastAffine(d: TransformDescription): number[] | undefined {
  if (d.kind === 'affine') return d.matrix;
  if (d.kind === 'composite')
    return [...d.transforms]
      .reverse()
      .map(lastAffine)
      .find((m) => m !== undefined);
  return undefined;
}

export async function readTeacherField(out: string, id: string): Promise<TeacherField> {
  const dir = teacherDir(out, id);
  const marker = await finishedMarker(out, id);
  if (!marker) throw new LabelWarpError('no finished teacher field here (run labelwarp teach)', dir);
  // Result folders (metrics.json) hold displacement.nii; earlier versions displacement.nii.gz.
  const legacy = marker.endsWith('done.json');
  const displacement = await readVolume(legacy ? path.join(dir, 'displacement.nii.gz') : resultFile(dir, 'displacement'), 'vector');
  let doc: { transform: TransformDescription };
  let done: { seconds?: number };
  try {
    doc = JSON.parse(await fs.readFile(path.join(dir, 'transform.json'), 'utf8')) as { transform: TransformDescription };
    done = JSON.parse(await fs.readFile(marker, 'utf8')) as { seconds?: number };
  } catch {
    throw new LabelWarpError('teacher transform.json or its metrics unreadable', dir);
  }
  const m = lastAffine(doc.transform);
  const data = displacement.data instanceof Float32Array ? displacement.data : Float32Array.from(displacement.data);
  return {
    displacement: { ...displacement, data },
    affine: m ? new AffineTransform(Float64Array.from(m)) : AffineTransform.identity(),
    seconds: done.seconds ?? NaN,
  };
}
