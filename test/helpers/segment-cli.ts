import { promises as fs } from 'node:fs';
import path from 'node:path';
import { labelwarp } from './cli.js';
import { image, labels } from './training.js';

export interface SegmentCliFiles {
  templateImage: string;
  templateLabels: string;
  scan: string;
  scanLabels?: string;
}

/** Template hippocampus_TEMPLATE and scan hippocampus_SCAN of the shared data (with the scan's reference labels unless told). */
export function hippocampusFiles(template: string, scan: string, referenceLabels = true): SegmentCliFiles {
  return {
    templateImage: image(template),
    templateLabels: labels(template),
    scan: image(scan),
    scanLabels: referenceLabels ? labels(scan) : undefined,
  };
}

/** `segment` and the input flags (the template's as --template-* or by their alias --atlas-*); --scan-labels when given. */
export function segmentArgs(files: SegmentCliFiles, template: 'template' | 'atlas' = 'template'): string[] {
  const args = ['segment', `--${template}-image`, files.templateImage, `--${template}-labels`, files.templateLabels, '--scan', files.scan];
  return files.scanLabels ? [...args, '--scan-labels', files.scanLabels] : args;
}

/**
 * `labelwarp segment … --engine ENGINE --out DIR --quiet` as a user runs it (affine unless told:
 * the probes test reading, not registration), with metrics.json parsed when the run wrote one.
 */
export async function segmentWithCli(
  files: SegmentCliFiles,
  out: string,
  engine = 'affine',
): Promise<{ code: number; stdout: string; stderr: string; metrics?: Record<string, unknown> & { meanDice?: number } }> {
  const r = await labelwarp([...segmentArgs(files), '--engine', engine, '--out', out, '--quiet']);
  const text = r.code === 0 ? await fs.readFile(path.join(out, 'metrics.json'), 'utf8').catch(() => undefined) : undefined;
  return { ...r, metrics: text ? JSON.parse(text) : undefined };
}
