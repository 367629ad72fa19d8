/** Scans: the images to segment, with optional reference labels. */
import { absolutePath, id, list, none, object } from '../check.js';
import { defineService } from '../table.js';
import type { VolumeInfo } from './templates.js';
import type { ResultSummary } from './results.js';

export type ScanStatus = 'new' | 'queued' | 'running' | 'done' | 'failed' | 'cancelled';

export interface ScanSummary {
  id: string;
  name: string;
  image: string;
  referenceLabels?: string;
  info: VolumeInfo;
  status: ScanStatus;
  /** Reason of the last failure. */
  error?: string;
  /** The result shown (the newest unless another was chosen), when one exists. */
  result?: ResultSummary;
  /** Every result of this scan, oldest first: a later run never makes an earlier result unreachable. */
  results?: ResultSummary[];
}

export interface AddedScans {
  added: ScanSummary[];
  errors: string[];
}

export interface ScansService {
  list(): Promise<ScanSummary[]>;
  add(args: { paths: string[] }): Promise<AddedScans>;
  addFolder(args: { folder: string }): Promise<AddedScans>;
  setReference(args: { scanId: string; labels: string }): Promise<ScanSummary>;
  remove(args: { scanId: string }): Promise<void>;
}

export interface ScansEvents {
  onChanged: ScanSummary[];
}

export const scansContract = defineService<ScansService, ScansEvents>(
  {
    list: none,
    add: object({ paths: list(absolutePath, 1, 1000, 'paths') }),
    addFolder: object({ folder: absolutePath }),
    setReference: object({ scanId: id, labels: absolutePath }),
    remove: object({ scanId: id }),
  },
  { onChanged: true },
);
