/**
 * Workspace: the cohort on disk (core/workspace): templates, scans, every result of every run with
 * its provenance, batch runs on the engine host with overall and per-scan progress, cancel and
 * resume (also after a crash), the cohort summary, engine comparison and CSV export.
 */
import { absolutePath, bool, engineOptionValues, id, list, none, object, oneOf, optional, text } from '../check.js';
import type { OptionValue } from '../check.js';
import { defineService } from '../table.js';
import type { CohortSummary, HistoryEntry } from '../../workspace/summary.js';

export type {
  CohortSummary,
  HistoryEntry,
  RunSummary,
  ResultRow,
  Comparison,
  Distribution,
  LabelRow as CohortLabelRow,
} from '../../workspace/summary.js';

export const SCAN_BATCH_STATES = ['pending', 'running', 'done', 'skipped', 'failed', 'cancelled', 'interrupted', 'busy'] as const;
export type ScanBatchState = (typeof SCAN_BATCH_STATES)[number];

export interface WorkspaceScan {
  id: string;
  name: string;
  hasReference: boolean;
  /** Every result of this scan, newest first. */
  history: HistoryEntry[];
  /** The run whose result is shown in review (the newest unless the user chose another). */
  shownRun?: string;
}

export interface WorkspaceRun {
  id: string;
  engine: string;
  template: string;
  model: string | null;
  options: Record<string, unknown>;
  done: number;
  /** Scans whose job was cut short (a crash, a killed engine host): resume redoes them. */
  interrupted: string[];
  failed: string[];
}

export interface BatchStatus {
  runId: string;
  engine: string;
  state: 'running' | 'finished' | 'cancelled' | 'interrupted';
  total: number;
  finished: number;
  failed: number;
  /** 0–1 over the whole batch. */
  fraction: number;
  etaSeconds?: number;
  secondsPerScan?: number;
  scans: Record<string, { state: ScanBatchState; fraction: number; error?: string }>;
}

export interface WorkspaceView {
  root: string;
  version: number;
  templates: { id: string; name: string }[];
  scans: WorkspaceScan[];
  runs: WorkspaceRun[];
  batch?: BatchStatus;
}

export interface WorkspaceService {
  /** Opens the workspace in `folder` (with `create`, makes it in an empty or new folder). */
  open(args: { folder: string; create?: boolean }): Promise<WorkspaceView>;
  view(): Promise<WorkspaceView>;
  importTemplate(args: { image: string; labels: string; name?: string }): Promise<{ id: string; duplicate: boolean }>;
  /**
   * Image files; X_labels.nii.gz beside X_image.nii.gz or X_t1.nii.gz are taken as reference labels.
   * Each is read first: one that cannot be (corrupt, truncated, not an image) is not imported, and
   * `errors` says why, one line each.
   */
  importScans(args: { paths: string[] }): Promise<{ imported: string[]; duplicates: string[]; errors: string[] }>;
  rename(args: { kind: 'template' | 'scan'; id: string; name: string }): Promise<WorkspaceView>;
  remove(args: { kind: 'template' | 'scan'; id: string }): Promise<WorkspaceView>;
  /** The interface asks the user first. */
  removeResult(args: { runId: string; scanId: string }): Promise<WorkspaceView>;
  show(args: { scanId: string; runId: string }): Promise<WorkspaceView>;
  /**
   * Opens one run's result of one scan in the review viewers: the scan joins the app's scan list
   * (once, by its workspace file) with that result as the one reviewed; returns the app's scan id.
   */
  review(args: { scanId: string; runId: string }): Promise<{ scanId: string }>;
  /** Runs the engine on the scans (all when none given) as one run; returns at once. */
  runBatch(args: {
    templateId: string;
    engine: string;
    options?: Record<string, OptionValue>;
    scanIds?: string[];
  }): Promise<{ runId: string }>;
  /** Runs a run again on every scan: finished scans are skipped, interrupted ones redone. */
  resume(args: { runId: string }): Promise<{ runId: string }>;
  cancel(): Promise<void>;
  summary(args: { runIds?: string[] }): Promise<CohortSummary>;
  exportCsv(args: { file: string; runIds?: string[] }): Promise<{ file: string; rows: number }>;
}

export interface WorkspaceEvents {
  onBatch: BatchStatus;
  onChanged: WorkspaceView;
}

const runIds = optional(list(id, 1, 100, 'runs'));

export const workspaceContract = defineService<WorkspaceService, WorkspaceEvents>(
  {
    open: object({ folder: absolutePath, create: optional(bool) }),
    view: none,
    importTemplate: object({ image: absolutePath, labels: absolutePath, name: optional(text) }),
    importScans: object({ paths: list(absolutePath, 1, 2000, 'files') }),
    rename: object({ kind: oneOf(['template', 'scan'] as const), id, name: text }),
    remove: object({ kind: oneOf(['template', 'scan'] as const), id }),
    removeResult: object({ runId: id, scanId: id }),
    show: object({ scanId: id, runId: id }),
    review: object({ scanId: id, runId: id }),
    runBatch: object({ templateId: id, engine: id, options: optional(engineOptionValues), scanIds: optional(list(id, 1, 5000, 'scans')) }),
    resume: object({ runId: id }),
    cancel: none,
    summary: object({ runIds }),
    exportCsv: object({ file: absolutePath, runIds }),
  },
  { onBatch: true, onChanged: true },
);
