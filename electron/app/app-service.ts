/**
 * The application behind the user interface, shared by the Electron main process and browser
 * mode: templates, scans, the job queue on the engine host, results. Implements the contract of
 * core/ipc/contract.ts; every request is validated there before it reaches these methods.
 */
import { EventEmitter } from 'node:events';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { isSupportedVolumeFile } from '../../core/volume/io.js';
import { listEngines, describeOptions } from '../../core/engines/index.js';
import { writeTextAtomically, writeAtomically } from '../../core/util/atomic.js';
import { LabelWarpError, describeError } from '../../core/util/errors.js';
import { readResultMetrics, resultFile } from '../../core/results/result-folder.js';
import type { SegmentMetrics } from '../../core/pipeline/segment.js';
import { EngineHost } from '../host/engine-host.js';
import type { Job } from '../host/engine-host.js';
import { VolumeReader } from '../host/volume-reader.js';
import { AllowedRoots } from '../security/roots.js';
import { readLabelNames } from './label-names.js';
import { looksLikeDicomFolder } from '../../core/volume/dicom-series.js';
import type {
  BackendStatus,
  EngineInfo,
  Events,
  LabelRow,
  ResultSummary,
  ScanSummary,
  TemplateSummary,
  ViewLayer,
  VolumePayload,
} from '../../core/ipc/contract.js';

interface TemplateRecord extends TemplateSummary {
  names?: Record<string, string>;
  bundled?: boolean;
}

type ScanRecord = ScanSummary;

interface State {
  templates: TemplateRecord[];
  scans: ScanRecord[];
}

interface RunInfo {
  total: number;
  finished: number;
}

const newId = (prefix: string) => `${prefix}-${randomBytes(5).toString('hex')}`;

export interface AppServiceOptions {
  stateDir: string;
  resourcesDir: string;
  /**
   * What requests may read and write (electron/security/roots.ts); picks in a dialog are added.
   * Default: nothing (only the bundled sample, which requests never name).
   */
  roots?: AllowedRoots;
  host?: EngineHost;
  /** Reads volumes outside this process (defaults to a Node child process). */
  reader?: VolumeReader;
  pick?: (kind: 'file' | 'files' | 'folder', title?: string) => Promise<string[] | null>;
}

export class AppService extends EventEmitter<{ event: [keyof Events, unknown] }> {
  private state: State = { templates: [], scans: [] };
  readonly host: EngineHost;
  private readonly reader: VolumeReader;
  private readonly roots: AllowedRoots;
  private readonly runs = new Map<string, RunInfo>();
  private readonly jobRun = new Map<string, { runId: string; scanId: string; templateId: string; engine: string }>();
  private statusTimer?: NodeJS.Timeout;

  constructor(private readonly options: AppServiceOptions) {
    super();
    this.host = options.host ?? new EngineHost();
    this.reader = options.reader ?? new VolumeReader();
    this.roots = options.roots ?? new AllowedRoots();
    this.host.on('progress', (p) => {
      const meta = this.jobRun.get(p.jobId);
      if (!meta) return;
      const run = this.runs.get(meta.runId)!;
      this.send('jobs.onProgress', { ...p, scanId: meta.scanId, runFraction: (run.finished + Math.min(1, p.fraction)) / run.total });
    });
    this.host.on('finished', (job) => void this.onFinished(job));
    this.host.on('status', () => this.send('system.onStatus', this.statusNow()));
    this.statusTimer = setInterval(() => this.host.poll(), 2000);
    this.statusTimer.unref();
  }

  private send<E extends keyof Events>(event: E, payload: Events[E]): void {
    this.emit('event', event, payload);
  }

  private get stateFile(): string {
    return path.join(this.options.stateDir, 'state.json');
  }

  async init(): Promise<void> {
    await fs.mkdir(this.options.stateDir, { recursive: true });
    try {
      this.state = JSON.parse(await fs.readFile(this.stateFile, 'utf8')) as State;
      for (const s of this.state.scans) if (s.status === 'running' || s.status === 'queued') s.status = s.result ? 'done' : 'new';
    } catch {
      this.state = { templates: [], scans: [] };
    }
    if (!this.state.templates.some((t) => t.bundled)) {
      const dir = path.join(this.options.resourcesDir, 'sample', 'ixi');
      // Bundled data: read without the roots check (requests never name these paths).
      const t = await this.makeTemplate(
        path.join(dir, 'IXI012_t1.nii.gz'),
        path.join(dir, 'IXI012_labels.nii.gz'),
        'Sample: IXI012 brain, 148 DLMUSE regions',
      );
      this.state.templates.unshift({
        ...t,
        id: 'sample-ixi012',
        bundled: true,
        credit: 'IXI data CC BY-SA 3.0 (brain-development.org); DLMUSE labels (CBICA, MIT)',
      });
      await this.save();
    }
  }

  private async save(): Promise<void> {
    await writeTextAtomically(this.stateFile, JSON.stringify(this.state, null, 2));
  }

  dispose(): void {
    clearInterval(this.statusTimer);
    this.host.dispose();
    this.reader.dispose();
  }

  // ---------------------------------------------------------------- templates
  private async makeTemplate(image: string, labels: string, name: string, namesFile?: string): Promise<TemplateRecord> {
    const names = namesFile ? await readLabelNames(namesFile) : undefined;
    const t = await this.reader.read({ op: 'template', image, labels });
    return { id: newId('tpl'), name, image, labels, labelCount: t.labelCount, info: t.info, thumbnail: t.thumbnail, names };
  }

  async listTemplates(): Promise<TemplateSummary[]> {
    return this.state.templates.map(({ names: _n, ...t }) => t);
  }

  async importTemplate(a: { image: string; labels: string; names?: string; name?: string }): Promise<TemplateSummary> {
    const image = await this.roots.resolve(a.image, 'read');
    const labels = await this.roots.resolve(a.labels, 'read');
    const names = a.names === undefined ? undefined : await this.roots.resolve(a.names, 'read');
    const t = await this.makeTemplate(image, labels, a.name ?? path.basename(image).replace(/\.(nii\.gz|nii|nrrd|mha)$/i, ''), names);
    this.state.templates.push(t);
    await this.save();
    const { names: _n, ...summary } = t;
    return summary;
  }

  async labelNames(a: { templateId: string }): Promise<Record<string, string>> {
    return this.template(a.templateId).names ?? {};
  }

  private template(id: string): TemplateRecord {
    const t = this.state.templates.find((x) => x.id === id);
    if (!t) throw new LabelWarpError(`no template with id ${id}`);
    return t;
  }

  // ---------------------------------------------------------------- scans
  async listScans(): Promise<ScanSummary[]> {
    return this.state.scans;
  }

  private scan(id: string): ScanRecord {
    const s = this.state.scans.find((x) => x.id === id);
    if (!s) throw new LabelWarpError(`no scan with id ${id}`);
    return s;
  }

  /** A label map beside the image, by name (X_t1 / X_image → X_labels). */
  private async findReference(image: string): Promise<string | undefined> {
    const dir = path.dirname(image);
    const base = path.basename(image);
    const m = /^(.*?)(?:_(?:t1|image|img|scan))?(\.nii\.gz|\.nii|\.nrrd|\.mha)$/i.exec(base);
    if (!m) return undefined;
    for (const c of [`${m[1]}_labels${m[2]}`, `${m[1]}_seg${m[2]}`]) {
      const f = path.join(dir, c);
      if (f !== image && (await this.roots.allows(f, 'read'))) return f;
    }
    return undefined;
  }

  /** Adds one image: `trusted` only for files the app wrote itself (DICOM conversions in its state). */
  private async addOne(requested: string, trusted = false): Promise<ScanRecord> {
    const image = trusted ? requested : await this.roots.resolve(requested, 'read');
    const candidate = await this.findReference(image);
    const vol = await this.reader.read({ op: 'scan', image, reference: candidate });
    const existing = this.state.scans.find((s) => s.image === image);
    if (existing) return existing;
    const s: ScanRecord = {
      id: newId('scan'),
      name: path.basename(image).replace(/\.(nii\.gz|nii|nrrd|mha)$/i, ''),
      image,
      referenceLabels: vol.referenceMatches ? candidate : undefined,
      info: vol.info,
      status: 'new',
    };
    this.state.scans.push(s);
    return s;
  }

  async addScans(a: { paths: string[] }): Promise<{ added: ScanSummary[]; errors: string[] }> {
    const added: ScanSummary[] = [];
    const errors: string[] = [];
    for (const requested of a.paths) {
      try {
        const p = await this.roots.resolve(requested, 'read');
        const st = await fs.stat(p).catch(() => undefined);
        if (st?.isDirectory()) {
          const r = await this.addFolder({ folder: p }, false);
          added.push(...r.added);
          errors.push(...r.errors);
        } else if (/label|seg|mask/i.test(path.basename(p))) {
          errors.push(`${p}: looks like a label map; add it as a template's labels or a scan's reference instead`);
        } else added.push(await this.addOne(p));
      } catch (err) {
        errors.push(describeError(err));
      }
    }
    await this.save();
    this.send('scans.onChanged', this.state.scans);
    return { added, errors };
  }

  async addFolder(a: { folder: string }, announce = true): Promise<{ added: ScanSummary[]; errors: string[] }> {
    const folder = await this.roots.resolve(a.folder, 'read');
    let files: string[];
    try {
      files = (await fs.readdir(folder)).sort();
    } catch {
      throw new LabelWarpError('folder not found', folder);
    }
    const added: ScanSummary[] = [];
    const errors: string[] = [];
    if (await looksLikeDicomFolder(folder, files)) {
      try {
        const out = path.join(this.options.stateDir, 'dicom', `${path.basename(folder)}-${randomBytes(3).toString('hex')}.nii.gz`);
        // The series reader takes every file of the folder: a link in it must not lead outside.
        for (const f of files)
          if (!(await this.roots.allows(path.join(folder, f), 'read')))
            throw new LabelWarpError(`${f} in this DICOM folder links outside the folders LabelWarp may read`, folder);
        await this.reader.read({ op: 'dicom', folder, out });
        added.push(await this.addOne(out, true));
      } catch (err) {
        errors.push(describeError(err));
      }
    } else {
      for (const f of files) {
        if (!isSupportedVolumeFile(f) || /label|seg|mask/i.test(f)) continue;
        try {
          added.push(await this.addOne(path.join(folder, f)));
        } catch (err) {
          errors.push(describeError(err));
        }
      }
      if (added.length === 0 && errors.length === 0) errors.push(`${folder}: no NIfTI, NRRD or MHA images (and no DICOM series) found`);
    }
    if (announce) {
      await this.save();
      this.send('scans.onChanged', this.state.scans);
    }
    return { added, errors };
  }

  async setReference(a: { scanId: string; labels: string }): Promise<ScanSummary> {
    const s = this.scan(a.scanId);
    const labels = await this.roots.resolve(a.labels, 'read');
    await this.reader.read({ op: 'reference', image: s.image, labels });
    s.referenceLabels = labels;
    await this.save();
    this.send('scans.onChanged', this.state.scans);
    return s;
  }

  async removeScan(a: { scanId: string }): Promise<void> {
    const s = this.scan(a.scanId);
    if (s.status === 'running' || s.status === 'queued') throw new LabelWarpError(`${s.name} is being processed; cancel it first`);
    this.state.scans = this.state.scans.filter((x) => x.id !== a.scanId);
    await this.save();
    this.send('scans.onChanged', this.state.scans);
  }

  // ---------------------------------------------------------------- jobs
  async runJobs(a: {
    templateId: string;
    scanIds: string[];
    engine: string;
    options?: Record<string, string | number | boolean>;
  }): Promise<{ jobIds: string[] }> {
    const t = this.template(a.templateId);
    if (!listEngines().some((e) => e.name === a.engine)) throw new LabelWarpError(`unknown engine "${a.engine}"`);
    const scans = a.scanIds.map((id) => this.scan(id));
    const busy = scans.find((s) => s.status === 'running' || s.status === 'queued');
    if (busy) throw new LabelWarpError(`${busy.name} is already queued or running`);
    const runId = newId('run');
    this.runs.set(runId, { total: scans.length, finished: 0 });
    const jobIds: string[] = [];
    for (const s of scans) {
      const jobId = newId('job');
      this.jobRun.set(jobId, { runId, scanId: s.id, templateId: t.id, engine: a.engine });
      s.status = 'queued';
      s.error = undefined;
      this.host.submit(jobId, {
        atlasImage: t.image,
        atlasLabels: t.labels,
        scan: s.image,
        scanLabels: s.referenceLabels,
        engine: a.engine,
        options: a.options ?? {},
        outDir: path.join(this.options.stateDir, 'results', s.id, jobId),
      });
      jobIds.push(jobId);
    }
    // The first job is running now.
    for (const s of scans) if (s.status === 'queued' && this.host.busy) break;
    await this.save();
    this.send('scans.onChanged', this.state.scans);
    return { jobIds };
  }

  async cancel(a: { jobId?: string; all?: boolean }): Promise<void> {
    if (a.all) this.host.cancelAll();
    else if (a.jobId) this.host.cancel(a.jobId);
  }

  private async onFinished(job: Job): Promise<void> {
    const meta = this.jobRun.get(job.id);
    if (!meta) return;
    const run = this.runs.get(meta.runId)!;
    run.finished++;
    const s = this.state.scans.find((x) => x.id === meta.scanId);
    let result: ResultSummary | undefined;
    if (s) {
      if (job.state === 'done' && job.outcome) {
        result = {
          jobId: job.id,
          engine: meta.engine,
          templateId: meta.templateId,
          meanDice: job.outcome.meanDice,
          seconds: job.outcome.seconds,
          warnings: job.outcome.warnings,
          folder: job.request.outDir,
        };
        s.result = result;
        s.status = 'done';
        s.error = undefined;
      } else {
        // Earlier results stay: only the status says what happened to this run.
        s.status = job.state === 'cancelled' ? 'cancelled' : 'failed';
        s.error = job.error;
        await fs.rm(job.request.outDir, { recursive: true, force: true });
      }
      await this.save();
      this.send('scans.onChanged', this.state.scans);
    }
    const status = job.state === 'done' ? 'done' : job.state === 'cancelled' ? 'cancelled' : 'failed';
    this.send('jobs.onDone', { jobId: job.id, scanId: meta.scanId, status, error: job.error, result });
  }

  // ---------------------------------------------------------------- results
  private resultOf(scanId: string): ResultSummary {
    const s = this.scan(scanId);
    if (!s.result) throw new LabelWarpError(`${s.name} has no result yet`);
    return s.result;
  }

  async labels(a: { scanId: string }): Promise<LabelRow[]> {
    const r = this.resultOf(a.scanId);
    const metrics = await readResultMetrics<Partial<SegmentMetrics>>(r.folder);
    const names = this.state.templates.find((t) => t.id === r.templateId)?.names ?? {};
    return (metrics.labels ?? []).map((l) => ({
      label: l.label,
      name: names[String(l.label)] ?? `Label ${l.label}`,
      dice: l.dice,
      hd95: l.hd95,
      volumeMm3: l.referenceVolumeMm3,
    }));
  }

  async volume(a: { scanId: string; layer: ViewLayer }): Promise<VolumePayload> {
    const s = this.scan(a.scanId);
    const folder = s.result?.folder;
    const file = (() => {
      switch (a.layer) {
        case 'scan':
          return s.image;
        case 'reference':
          if (!s.referenceLabels) throw new LabelWarpError(`${s.name} has no reference labels`);
          return s.referenceLabels;
        default:
          if (!folder) throw new LabelWarpError(`${s.name} has no result yet`);
          return resultFile(folder, ({ labels: 'labels', warped: 'warpedAtlas', jacobian: 'jacobian', grid: 'grid' } as const)[a.layer]);
      }
    })();
    const isLabels = a.layer === 'labels' || a.layer === 'reference' || a.layer === 'grid';
    if (a.layer === 'jacobian' && !(await fs.stat(file).catch(() => undefined)))
      throw new LabelWarpError('this result has no deformation (affine engine): no Jacobian to show');
    return this.reader.read({ op: 'volume', file, kind: isLabels ? 'labels' : 'image' });
  }

  async exportResult(a: { scanId: string; folder: string }): Promise<{ files: string[] }> {
    const r = this.resultOf(a.scanId);
    const folder = await this.roots.resolve(a.folder, 'write');
    await fs.mkdir(folder, { recursive: true });
    const files: string[] = [];
    for (const f of await fs.readdir(r.folder)) {
      const dest = path.join(folder, f);
      await writeAtomically(dest, (tmp) => fs.copyFile(path.join(r.folder, f), tmp));
      files.push(dest);
    }
    return { files };
  }

  // ---------------------------------------------------------------- system
  async engines(): Promise<EngineInfo[]> {
    return listEngines().map((e) => ({
      name: e.name,
      description: e.description,
      deformable: e.deformable,
      options: describeOptions(e.options).map((o) => ({ name: o.name, type: o.type, description: o.description, default: o.default })),
    }));
  }

  private statusNow(): BackendStatus {
    const s = this.host.status();
    return { backend: s.backend ?? 'starting…', device: s.device ?? 'cpu', hostMemory: s.rss, hostRunning: s.running };
  }

  async status(): Promise<BackendStatus> {
    return this.statusNow();
  }

  /** A native dialog (Electron): what the user picks becomes readable (folders also writable). */
  async pick(a: { kind: 'file' | 'files' | 'folder'; title?: string }): Promise<string[] | null> {
    const picked = this.options.pick ? await this.options.pick(a.kind, a.title) : null;
    if (picked) await this.roots.grantPicked(a.kind, picked);
    return picked;
  }

  /** Dispatches a validated request to its method. */
  async call(channel: string, args: Record<string, unknown>): Promise<unknown> {
    const a = args as never;
    switch (channel) {
      case 'templates.list':
        return this.listTemplates();
      case 'templates.import':
        return this.importTemplate(a);
      case 'templates.labelNames':
        return this.labelNames(a);
      case 'scans.list':
        return this.listScans();
      case 'scans.add':
        return this.addScans(a);
      case 'scans.addFolder':
        return this.addFolder(a);
      case 'scans.setReference':
        return this.setReference(a);
      case 'scans.remove':
        return this.removeScan(a);
      case 'jobs.run':
        return this.runJobs(a);
      case 'jobs.cancel':
        return this.cancel(a);
      case 'results.labels':
        return this.labels(a);
      case 'results.volume':
        return this.volume(a);
      case 'results.export':
        return this.exportResult(a);
      case 'system.engines':
        return this.engines();
      case 'system.status':
        return this.status();
      case 'system.pick':
        return this.pick(a);
      default:
        throw new LabelWarpError(`unknown channel ${channel}`);
    }
  }
}
