/**
 * The application's persisted state (state.json in the state folder): templates and scans. The
 * bundled templates are stored by their resource path (relative to the app's resources), never
 * by an absolute path: a moved or updated installation finds them again.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { writeTextAtomically } from '../../core/util/atomic.js';
import { LabelWarpError, describeError } from '../../core/util/errors.js';
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

/** The saved state, or undefined when the text is not one (truncated, not JSON, wrong shape). */
function parseStored(text: string): Stored | undefined {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return undefined;
  }
  const s = v as Partial<Stored> | null;
  if (!s || typeof s !== 'object' || !Array.isArray(s.templates) || !Array.isArray(s.scans)) return undefined;
  const records = (a: unknown[]) => a.every((x) => x !== null && typeof x === 'object' && typeof (x as { id?: unknown }).id === 'string');
  return records(s.templates) && records(s.scans) ? (s as Stored) : undefined;
}

export class AppState {
  templates: TemplateRecord[] = [];
  scans: ScanRecord[] = [];
  /** What loading had to say to the user (a state file moved aside). */
  readonly notes: string[] = [];
  private saving: Promise<void> = Promise.resolve();

  constructor(
    readonly dir: string,
    /** The app's resources folder: bundled templates' paths are stored relative to it. */
    private readonly resourcesDir: string,
  ) {}

  private get file(): string {
    return path.join(this.dir, 'state.json');
  }

  /**
   * Reads the saved state (none: empty). Scans left queued or running by a closed app are reset. A
   * state file that cannot be read as one is moved aside (`state.json.unreadable-…`), never
   * overwritten: the app starts empty and says where the old file went (`notes`).
   */
  async load(): Promise<void> {
    await fs.mkdir(this.dir, { recursive: true });
    let stored: Stored = { templates: [], scans: [] };
    let text: string | undefined;
    try {
      text = await fs.readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
        throw new LabelWarpError(`cannot read the saved state (${describeError(err)})`, this.file);
    }
    if (text !== undefined) {
      const parsed = parseStored(text);
      if (parsed) stored = parsed;
      else {
        const aside = `${this.file}.unreadable-${new Date().toISOString().replace(/[:.]/g, '-')}`;
        await fs.rename(this.file, aside);
        this.notes.push(
          `the saved state was unreadable and was moved to ${aside}; the app starts with no templates or scans (result folders are untouched)`,
        );
      }
    }
    this.templates = stored.templates.map((t) =>
      t.bundled ? { ...t, image: this.fromResource(t.image), labels: this.fromResource(t.labels) } : t,
    );
    this.scans = stored.scans;
    for (const s of this.scans) s.results = resultsOf(s);
    for (const s of this.scans) if (s.status === 'running' || s.status === 'queued') s.status = s.result ? 'done' : 'new';
  }

  /**
   * Saves the state. Saves run one after another, each writing the state as it is when its turn
   * comes: two saves started close together can never leave the older state on disk.
   */
  save(): Promise<void> {
    const next = this.saving.catch(() => undefined).then(() => this.write());
    this.saving = next;
    return next;
  }

  private async write(): Promise<void> {
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
