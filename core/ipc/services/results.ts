/** Results: the Dice table and the viewers' volumes of a scan's shown result, which of its results is shown, and export. */
import type { Quality } from '../../quality/quality.js';

export type { Quality } from '../../quality/quality.js';
import { absolutePath, id, object, oneOf } from '../check.js';
import { defineService } from '../table.js';
import type { ScanSummary } from './scans.js';

export interface ResultSummary {
  jobId: string;
  engine: string;
  templateId: string;
  meanDice?: number;
  seconds: number;
  warnings: string[];
  folder: string;
  /** The quality light from the result's own measures (core/quality/quality.ts). */
  quality?: Quality;
  /** Whether the engine deforms (a Jacobian to show). */
  deformable?: boolean;
  /** When the run finished (ISO 8601); results of older app versions have none. */
  finishedAt?: string;
  /** The model and the options that differ from the engine's defaults, one line (empty: defaults, no model). */
  settings?: string;
}

export interface LabelRow {
  label: number;
  /** The reference label's name: from a label table beside the reference labels, else the template's. */
  name: string;
  /** The template's name of the same label value, where it differs from `name` (the two tables disagree). */
  templateName?: string;
  /** Absent where the scan has no reference labels (the row then gives the transferred volume only). */
  dice?: number;
  hd95?: number | null;
  /** The reference label's volume where there is a reference, else the transferred label's. */
  volumeMm3: number;
  /** The transferred label's volume (the result's), where known. */
  transferredMm3?: number;
}

/** Volumes for the viewers, on the scan's grid. */
export const VIEW_LAYERS = ['scan', 'labels', 'reference', 'warped', 'jacobian', 'grid'] as const;
export type ViewLayer = (typeof VIEW_LAYERS)[number];

export interface VolumePayload {
  dims: [number, number, number];
  spacing: [number, number, number];
  origin: [number, number, number];
  /** Row-major, columns are the index axes (LPS). */
  direction: number[];
  /** 'float32' or 'uint16'. */
  type: 'float32' | 'uint16';
  /** Travels as a binary frame in browser mode (core/ipc/frames.ts), by structured clone in Electron. */
  data: Float32Array | Uint16Array;
}

export interface ResultsService {
  labels(args: { scanId: string }): Promise<LabelRow[]>;
  volume(args: { scanId: string; layer: ViewLayer }): Promise<VolumePayload>;
  export(args: { scanId: string; folder: string }): Promise<{ files: string[] }>;
  /** Shows another of the scan's results (one of `ScanSummary.results`, by its job id). */
  select(args: { scanId: string; jobId: string }): Promise<ScanSummary>;
}

export const resultsContract = defineService<ResultsService>(
  {
    labels: object({ scanId: id }),
    volume: object({ scanId: id, layer: oneOf(VIEW_LAYERS) }),
    export: object({ scanId: id, folder: absolutePath }),
    select: object({ scanId: id, jobId: id }),
  },
  {},
);
