/**
 * The application's persisted state (state.json in the state folder): templates and scans. The
 * bundled templates are stored by their resource path (relative to the app's resources), never
 * by an absolute path: a moved or updated installation finds them again.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { writeTextAtomically } from '../../core/util/atomic.js';
import { LabelWarpError } from '../../core/util/errors.js';
import type { LabelEntry, ResultSummary, ScanSummary, TemplateSummary } from '../../core/ipc/contract.js';

export interface TemplateRecord extends TemplateSummary {
  /** Label names of templates imported before label tables kept colours. */
  names?: Record<string, string>;
  /** Names and colours of the labels (from an ITK-SNAP or CSV table). */
  table?: LabelEntry[];
}

export type ScanRecord = ScanSummary;

/** A template's label names by label value (as text), from its table or its older names. */
export function labelNamesOf(t: TemplateRecord | undefined): Record<string, string> {
  return t?.table ? Object.fromEntries(t.table.map((e) => [String(e.label), e.name])) : (t?.names ?? {});
}

/** Every result of a scan, oldest first (states from before the history hold only the shown one). */
export function resultsOf(s: ScanRecord): ResultSummary[] {
  return s.results ?? (s.result ? [s.result] : []);
}

/**
 * A finished run's result joins the scan's results and is shown; the earlier ones stay (their
 * folders are never touched), so a poor run never loses a good result: it is one choice away.
 */
export function addResult(s: ScanRecord, r: ResultSummary): void {
  // A result folder shown again (a workspace result reviewed twice) is one entry.
  s.results = [...resultsOf(s).filter((x) => x.folder !== r.folder), r];
  s.result = r;
}

/** Shows one of the scan's results. */
export function selectResult(s: ScanRecord, jobId: string): ResultSummary {
  const r = resultsOf(s).find((x) => x.jobId === jobId);
  if (!r) throw new LabelWarpError(`${s.name} has no result of job ${jobId}`);
  s.result = r;
  return r;
}

interface Stored {
  templates: TemplateRecord[];
  scans: ScanRecord[];
}

export class AppState {
  templates: TemplateRecord[] = [];
  scans: ScanRecord[] = [];

  constructor(
    readonly dir: string,
    /** The app's resources folder: bundled templates' paths are stored relative to it. */
    private readonly resourcesDir: string,
  ) {}

  private get file(): string {
    return path.join(this.dir, 'state.json');
  }

  /** Reads the saved state (none: empty). Scans left queued or running by a closed app are reset. */
  async load(): Promise<void> {
    await fs.mkdir(this.dir, { recursive: true });
    let stored: Stored;
    try {
      stored = JSON.parse(await fs.readFile(this.file, 'utf8')) as Stored;
    } catch {
      stored = { templates: [], scans: [] };
    }
    this.templates = stored.templates.map((t) =>
      t.bundled ? { ...t, image: this.fromResource(t.image), labels: this.fromResource(t.labels) } : t,
    );
    this.scans = stored.scans;
    for (const s of this.scans) s.results = resultsOf(s);
    for (const s of this.scans) if (s.status === 'running' || s.status === 'queued') s.status = s.result ? 'done' : 'new';
  }

  async save(): Promise<void> {
    const stored: Stored = {
      templates: this.templates.map((t) => (t.bundled ? { ...t, image: this.toResource(t.image), labels: this.toResource(t.labels) } : t)),
      scans: this.scans,
    };
    await writeTextAtomically(this.file, JSON.stringify(stored, null, 2));
  }

  /** `resources/…` relative path, POSIX separators. */
  private toResource(file: string): string {
    return path.relative(this.resourcesDir, file).split(path.sep).join('/');
  }

  /**
   * A stored resource path back to a file. States written before resource paths were stored hold
   * absolute paths of wherever the app was then: their part under `resources/` is kept.
   */
  private fromResource(stored: string): string {
    const rel = path.isAbsolute(stored) ? (/[\\/]resources[\\/](.*)$/.exec(stored)?.[1] ?? path.basename(stored)) : stored;
    return path.join(this.resourcesDir, ...rel.split(/[\\/]/));
  }

  template(id: string): TemplateRecord {
    const t = this.templates.find((x) => x.id === id);
    if (!t) throw new LabelWarpError(`no template with id ${id}`);
    return t;
  }

  scan(id: string): ScanRecord {
    const s = this.scans.find((x) => x.id === id);
    if (!s) throw new LabelWarpError(`no scan with id ${id}`);
    return s;
  }
}
