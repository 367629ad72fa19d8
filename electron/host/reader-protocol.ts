/**
 * Messages between the main process (or browser-mode server) and the volume reader process, which
 * reads and decodes every volume the user interface asks about, so that neither the server's event
 * loop nor its memory ever holds a decompression (see volume-reader.ts).
 */
import type { VolumeInfo, VolumePayload } from '../../core/ipc/contract.js';
import type { VolumeKind } from '../../core/volume/io.js';

export type ReadRequest =
  /** An image and its label map, as a template: grid, label count, thumbnail. */
  | { op: 'template'; image: string; labels: string }
  /** A scan and, optionally, a candidate reference label map (kept only on the scan's grid). */
  | { op: 'scan'; image: string; reference?: string }
  /** A reference label map for a scan: refused unless on the scan's grid. */
  | { op: 'reference'; image: string; labels: string }
  /** A volume for the viewers. */
  | { op: 'volume'; file: string; kind: VolumeKind }
  /** A DICOM series folder, converted to NIfTI at `out`. */
  | { op: 'dicom'; folder: string; out: string };

export interface ReadResults {
  template: { info: VolumeInfo; labelCount: number; thumbnail: string };
  scan: { info: VolumeInfo; referenceMatches: boolean };
  reference: { info: VolumeInfo };
  volume: VolumePayload;
  dicom: { out: string };
}

export type ToReader = { type: 'read'; id: number; request: ReadRequest };

export type FromReader =
  { type: 'result'; id: number; ok: true; value: unknown } | { type: 'result'; id: number; ok: false; error: string };
