/**
 * The jobs service (core/ipc/services/jobs.ts): runs of the engine on scans, queued on the engine
 * host. A run's engine and options are checked against the engine's own option schema, and its
 * path options against the allowed folders, before any job is queued or any host starts.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { getEngineDefinition, engineOptions } from '../../core/engines/index.js';
import { LabelWarpError } from '../../core/util/errors.js';
import type { JobsService, OptionValue, ResultSummary } from '../../core/ipc/contract.js';
import type { Job } from '../host/engine-host.js';
import { readResultMetrics } from '../../core/results/result-folder.js';
import { assessQuality } from '../../core/quality/quality.js';
import { settingsLine } from '../../core/pipeline/result-provenance.js';
import type { ResultProvenance } from '../../core/pipeline/result-provenance.js';
import type { QualityInput } from '../../core/quality/quality.js';
import { newId } from './app-context.js';
import { addResult } from './app-state.js';
import type { AppContext } from './app-context.js';

interface RunInfo {
  total: number;
  /** Jobs that have ended, however. */
  finished: number;
  /** Jobs that ended having run to their end (done or failed): the run's fraction counts only these. */
  completed: number;
}

export class Jobs implements JobsService {
  private readonly runs = new Map<string, RunInfo>();
  private readonly jobRun = new Map<string, { runId: string; scanId: string; templateId: string; engine: string }>();

  constructor(private readonly ctx: AppContext) {
    ctx.host.on('progress', (p) => {
      const meta = this.jobRun.get(p.jobId);
      if (!meta) return;
      const run = this.runs.get(meta.runId)!;
      const scan = ctx.state.scans.find((s) => s.id === meta.scanId);
      if (scan?.status === 'queued') {
        scan.status = 'running';
        void ctx.scansChangedSafely();
      }
      ctx.send('jobs.onProgress', { ...p, scanId: meta.scanId, runFraction: (run.completed + Math.min(1, p.fraction)) / run.total });
    });
    ctx.host.on('finished', (job) => void this.onFinished(job));
  }

  /** The options as the engine will take them: its schema decides names, types and ranges; paths must be allowed. */
  private async checkOptions(engine: string, options: Record<string, OptionValue>): Promise<Record<string, OptionValue>> {
    const definition = getEngineDefinition(engine);
    engineOptions(definition, options);
    const out = { ...options };
    for (const [name, value] of Object.entries(options))
      if (definition.options[name].type === 'path') out[name] = await this.ctx.roots.resolve(String(value), 'read');
    return out;
  }

  async run(a: {
    templateId: string;
    scanIds: string[];
    engine: string;
    options?: Record<string, OptionValue>;
  }): Promise<{ jobIds: string[] }> {
    const { state, host } = this.ctx;
    const t = state.template(a.templateId);
    const options = await this.checkOptions(a.engine, a.options ?? {});
    const scans = a.scanIds.map((id) => state.scan(id));
    const busy = scans.find((s) => s.status === 'running' || s.status === 'queued');
    if (busy) throw new LabelWarpError(`${busy.name} is already queued or running`);
    const runId = newId('run');
    this.runs.set(runId, { total: scans.length, finished: 0, completed: 0 });
    const jobIds: string[] = [];
    for (const s of scans) {
      const jobId = newId('job');
      this.jobRun.set(jobId, { runId, scanId: s.id, templateId: t.id, engine: a.engine });
      s.status = 'queued';
      s.error = undefined;
      jobIds.push(jobId);
    }
    await this.ctx.scansChanged();
    scans.forEach((s, i) =>
      host.submit(jobIds[i], {
        runId,
        templateImage: t.image,
        templateLabels: t.labels,
        scan: s.image,
        scanLabels: s.referenceLabels,
        engine: a.engine,
        options,
        outDir: path.join(this.ctx.stateDir, 'results', s.id, jobIds[i]),
      }),
    );
    return { jobIds };
  }

  async cancel(a: { jobId?: string; all?: boolean }): Promise<void> {
    if (a.all) this.ctx.host.cancelAll();
    else if (a.jobId) this.ctx.host.cancel(a.jobId);
  }

  private async onFinished(job: Job): Promise<void> {
    const meta = this.jobRun.get(job.id);
    if (!meta) return;
    const run = this.runs.get(meta.runId)!;
    run.finished++;
    // A scan cancelled before or while it ran did none of the run's work.
    if (job.state !== 'cancelled') run.completed++;
    if (run.finished === run.total) this.runs.delete(meta.runId);
    this.jobRun.delete(job.id);
    const s = this.ctx.state.scans.find((x) => x.id === meta.scanId);
    let result: ResultSummary | undefined;
    if (s) {
      if (job.state === 'done' && job.outcome) {
        const deformable = getEngineDefinition(meta.engine).deformable;
        const metrics = await readResultMetrics<QualityInput & { provenance?: ResultProvenance }>(job.request.outDir).catch(
          () => undefined,
        );
        const settings = metrics?.provenance ? settingsLine(metrics.provenance) : '';
        result = {
          jobId: job.id,
          engine: meta.engine,
          templateId: meta.templateId,
          meanDice: job.outcome.meanDice,
          seconds: job.outcome.seconds,
          warnings: job.outcome.warnings,
          folder: job.request.outDir,
          deformable,
          finishedAt: new Date().toISOString(),
          ...(metrics ? { quality: assessQuality({ ...metrics, deformable }) } : {}),
          ...(settings ? { settings } : {}),
        };
        addResult(s, result);
        s.status = 'done';
        s.error = undefined;
      } else {
        // Earlier results stay: only the status says what happened to this run.
        s.status = job.state === 'cancelled' ? 'cancelled' : 'failed';
        // A cancelled run has no error to show beside its status (the status says it).
        s.error = job.state === 'cancelled' ? undefined : job.error;
        // A partial folder left behind (it cannot be removed) is never listed as a result.
        await fs.rm(job.request.outDir, { recursive: true, force: true }).catch(() => undefined);
      }
      // The interface hears of the outcome even when the state cannot be saved.
      await this.ctx.scansChangedSafely();
    }
    const status = job.state === 'done' ? 'done' : job.state === 'cancelled' ? 'cancelled' : 'failed';
    this.ctx.send('jobs.onDone', { jobId: job.id, scanId: meta.scanId, status, error: job.error, result });
  }
}
