import { promises as fs } from 'node:fs';
import path from 'node:path';
import { labelwarp } from './cli.js';

export interface SegmentCliFiles {
  templateImage: string;
  templateLabels: string;
  scan: string;
  scanLabels?: string;
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
  const args = ['segment', '--template-image', files.templateImage, '--template-labels', files.templateLabels, '--scan', files.scan];
  if (files.scanLabels) args.push('--scan-labels', files.scanLabels);
  const r = await labelwarp([...args, '--engine', engine, '--out', out, '--quiet']);
  const text = r.code === 0 ? await fs.readFile(path.join(out, 'metrics.json'), 'utf8').catch(() => undefined) : undefined;
  return { ...r, metrics: text ? JSON.parse(text) : undefined };
}
