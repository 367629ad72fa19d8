/** The results service (core/ipc/services/results.ts): a scan's latest result for the Dice table, the viewers and export. */
import { labelNamesOf } from './app-state.js';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { writeAtomically } from '../../core/util/atomic.js';
import { LabelWarpError } from '../../core/util/errors.js';
import { existingResultFile, readResultMetrics } from '../../core/results/result-folder.js';
import type { SegmentMetrics } from '../../core/pipeline/segment.js';
import type { LabelRow, ResultSummary, ResultsService, ViewLayer, VolumePayload } from '../../core/ipc/contract.js';
import type { AppContext } from './app-context.js';

export class Results implements ResultsService {
  constructor(private readonly ctx: AppContext) {}

  private resultOf(scanId: string): ResultSummary {
    const s = this.ctx.state.scan(scanId);
    if (!s.result) throw new LabelWarpError(`${s.name} has no result yet`);
    return s.result;
  }

  async labels(a: { scanId: string }): Promise<LabelRow[]> {
    const r = this.resultOf(a.scanId);
    const metrics = await readResultMetrics<Partial<SegmentMetrics>>(r.folder);
    const names = labelNamesOf(this.ctx.state.templates.find((t) => t.id === r.templateId));
    return (metrics.labels ?? []).map((l) => ({
      label: l.label,
      name: names[String(l.label)] ?? `Label ${l.label}`,
      dice: l.dice,
      hd95: l.hd95,
      volumeMm3: l.referenceVolumeMm3,
    }));
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

  async export(a: { scanId: string; folder: string }): Promise<{ files: string[] }> {
    const r = this.resultOf(a.scanId);
    const folder = await this.ctx.roots.resolve(a.folder, 'write');
    await fs.mkdir(folder, { recursive: true });
    const files: string[] = [];
    for (const f of await fs.readdir(r.folder)) {
      const dest = path.join(folder, f);
      await writeAtomically(dest, (tmp) => fs.copyFile(path.join(r.folder, f), tmp));
      files.push(dest);
    }
    return { files };
  }
}
