/**
 * The results service (core/ipc/services/results.ts): a scan's shown result for the Dice table, the
 * viewers and export, and the choice among the scan's results.
 */
import { labelNamesOf, selectResult } from './app-state.js';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { writeAtomically } from '../../core/util/atomic.js';
import { LabelWarpError } from '../../core/util/errors.js';
import { existingResultFile, readResultMetrics } from '../../core/results/result-folder.js';
import type { SegmentMetrics } from '../../core/pipeline/segment.js';
import type { LabelRow, ResultSummary, ResultsService, ScanSummary, ViewLayer, VolumePayload } from '../../core/ipc/contract.js';
import type { AppContext } from './app-context.js';
import { readLabelTable, tableBeside } from '../../core/labels/label-table-file.js';

export class Results implements ResultsService {
  constructor(private readonly ctx: AppContext) {}

  private resultOf(scanId: string): ResultSummary {
    const s = this.ctx.state.scan(scanId);
    if (!s.result) throw new LabelWarpError(`${s.name} has no result yet`);
    return s.result;
  }

  /**
   * The Dice table's rows: one per reference label, named by the reference's own label table (a
   * table beside the reference label map, found as a template's is) or, without one, by the
   * template's; where the two tables name a label differently the template's name comes along.
   */
  async labels(a: { scanId: string }): Promise<LabelRow[]> {
    const s = this.ctx.state.scan(a.scanId);
    const r = this.resultOf(a.scanId);
    const metrics = await readResultMetrics<Partial<SegmentMetrics>>(r.folder);
    const template = labelNamesOf(this.ctx.state.templates.find((t) => t.id === r.templateId));
    const reference = s.referenceLabels ? await this.referenceNames(s.referenceLabels) : undefined;
    const transferred = new Map((metrics.volumes ?? []).map((v) => [v.label, v.volumeMl * 1000]));
    // Without reference labels: the transferred volume of each label, named by the template.
    if (!metrics.labels?.length)
      return [...transferred].map(([label, mm3]) => ({
        label,
        name: template[String(label)] ?? `Label ${label}`,
        volumeMm3: mm3,
        transferredMm3: mm3,
      }));
    return metrics.labels.map((l) => {
      const key = String(l.label);
      const name = (reference ? reference[key] : template[key]) ?? `Label ${l.label}`;
      const templateName = reference && template[key] !== undefined && template[key] !== name ? template[key] : undefined;
      return {
        label: l.label,
        name,
        ...(templateName === undefined ? {} : { templateName }),
        dice: l.dice,
        hd95: l.hd95,
        volumeMm3: l.referenceVolumeMm3,
        transferredMm3: transferred.get(l.label) ?? 0,
      };
    });
  }

  /**
   * Names of a reference label map's labels from the table beside it, if there is one that reads
   * (a file of another kind by that name is passed over: the template's names are used then).
   */
  private async referenceNames(labels: string): Promise<Record<string, string> | undefined> {
    const file = await tableBeside(labels, (f) => this.ctx.roots.allows(f, 'read'));
    const table = file ? await readLabelTable(file).catch(() => undefined) : undefined;
    return table && Object.fromEntries(table.map((e) => [String(e.label), e.name]));
  }

  async volume(a: { scanId: string; layer: ViewLayer }): Promise<VolumePayload> {
    const s = this.ctx.state.scan(a.scanId);
    const folder = s.result?.folder;
    const file = await (async () => {
      switch (a.layer) {
        case 'scan':
          return s.image;
        case 'reference':
          if (!s.referenceLabels) throw new LabelWarpError(`${s.name} has no reference labels`);
          return s.referenceLabels;
        default:
          if (!folder) throw new LabelWarpError(`${s.name} has no result yet`);
          return existingResultFile(
            folder,
            ({ labels: 'labels', warped: 'warpedTemplate', jacobian: 'jacobian', grid: 'grid' } as const)[a.layer],
          );
      }
    })();
    const isLabels = a.layer === 'labels' || a.layer === 'reference' || a.layer === 'grid';
    if (a.layer === 'jacobian' && !(await fs.stat(file).catch(() => undefined)))
      throw new LabelWarpError('this result has no deformation (affine engine): no Jacobian to show');
    return this.ctx.reader.read({ op: 'volume', file, kind: isLabels ? 'labels' : 'image' });
  }

  async select(a: { scanId: string; jobId: string }): Promise<ScanSummary> {
    const s = this.ctx.state.scan(a.scanId);
    selectResult(s, a.jobId);
    await this.ctx.scansChanged();
    return s;
  }

  async export(a: { scanId: string; folder: string }): Promise<{ files: string[] }> {
    const r = this.resultOf(a.scanId);
    const folder = await this.ctx.roots.resolve(a.folder, 'write');
    const st = await fs.stat(folder).catch(() => undefined);
    if (st && !st.isDirectory()) throw new LabelWarpError('is a file, not a folder: choose a folder to export into', a.folder);
    await fs.mkdir(folder, { recursive: true });
    const names = await fs.readdir(r.folder);
    await checkExportTarget(folder, a.folder, r.folder, names);
    const files: string[] = [];
    for (const f of names) {
      const dest = path.join(folder, f);
      await writeAtomically(dest, (tmp) => fs.copyFile(path.join(r.folder, f), tmp));
      files.push(dest);
    }
    return { files };
  }
}

/**
 * An export never replaces the files of another result: a folder already holding files of the
 * same names is refused unless they are this result's own (its metrics.json is the same, as when
 * the same result is exported twice).
 */
async function checkExportTarget(folder: string, given: string, resultFolder: string, names: string[]): Promise<void> {
  const present = (
    await Promise.all(names.map(async (f) => ((await fs.stat(path.join(folder, f)).catch(() => undefined)) ? f : '')))
  ).filter(Boolean);
  if (present.length === 0) return;
  const read = (dir: string) => fs.readFile(path.join(dir, 'metrics.json'), 'utf8').catch(() => undefined);
  const [theirs, ours] = await Promise.all([read(folder), read(resultFolder)]);
  if (theirs !== undefined && theirs === ours) return;
  const listed = present.length > 3 ? `${present.slice(0, 3).join(', ')} and ${present.length - 3} more` : present.join(', ');
  throw new LabelWarpError(
    `already holds ${listed} of another result, which an export would replace: choose an empty folder (one per scan)`,
    given,
  );
}
