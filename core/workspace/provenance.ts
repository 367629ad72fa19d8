/**
 * The provenance record of one result (provenance.json, written last into the result folder):
 * which LabelWarp, engine, options, model and template made it from which scan, on which tensor
 * backend and device, how long each stage took, and the size and SHA-256 of every file of the
 * result (so a damaged or truncated file is detected: `verifyResult`).
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileSha256 } from '../models/model-format.js';
import { labelwarpBuild } from '../pipeline/result-provenance.js';
import { PROVENANCE_FILE } from './layout.js';
import type { RunRecord } from './runs.js';
import type { ScanRecord, TemplateRecord } from './workspace.js';
import type { SegmentMetrics } from '../pipeline/segment.js';

export const PROVENANCE_VERSION = 1;

export interface Provenance {
  format: 'labelwarp-provenance';
  version: number;
  labelwarp: { version: string; node: string; platform: string };
  run: string;
  engine: { name: string; options: Record<string, unknown> };
  model: RunRecord['model'];
  template: { id: string; name: string; imageSha256: string; labelsSha256: string };
  scan: { id: string; name: string; imageSha256: string; labelsSha256?: string };
  backend: string;
  device: { tensor: string; cpu: string; cpus: number; host: string; engineDevice?: string };
  timings: { startedAt: string; finishedAt: string; seconds: number; stages: SegmentMetrics['stages'] & { write?: number } };
  files: { file: string; bytes: number; sha256: string }[];
}

export interface ProvenanceInput {
  run: RunRecord;
  template: TemplateRecord;
  scan: ScanRecord;
  metrics: SegmentMetrics & { stages: { write?: number } };
  backendDevice: string;
  startedAt: Date;
  seconds: number;
}

/** Builds the record for the result files already written in `dir`. */
export async function buildProvenance(dir: string, files: string[], p: ProvenanceInput): Promise<Provenance> {
  const described = await Promise.all(
    files.map(async (file) => ({
      file,
      bytes: (await fs.stat(path.join(dir, file))).size,
      sha256: await fileSha256(path.join(dir, file)),
    })),
  );
  const engineDevice = Object.entries(p.metrics.details).find(([k]) => /device$/.test(k))?.[1];
  const cpus = os.cpus();
  return {
    format: 'labelwarp-provenance',
    version: PROVENANCE_VERSION,
    labelwarp: labelwarpBuild(),
    run: p.run.id,
    engine: { name: p.run.engine, options: p.run.options },
    model: p.run.model,
    template: { id: p.template.id, name: p.template.name, imageSha256: p.template.image.sha256, labelsSha256: p.template.labels.sha256 },
    scan: {
      id: p.scan.id,
      name: p.scan.name,
      imageSha256: p.scan.image.sha256,
      ...(p.scan.labels ? { labelsSha256: p.scan.labels.sha256 } : {}),
    },
    backend: p.metrics.backend,
    device: {
      tensor: p.backendDevice,
      cpu: cpus[0]?.model ?? 'unknown',
      cpus: cpus.length,
      host: os.hostname(),
      ...(engineDevice !== undefined ? { engineDevice: String(engineDevice) } : {}),
    },
    timings: { startedAt: p.startedAt.toISOString(), finishedAt: new Date().toISOString(), seconds: p.seconds, stages: p.metrics.stages },
    files: described,
  };
}

/** Problems with a result folder's files against its provenance record (empty when intact). */
export async function verifyResult(dir: string): Promise<string[]> {
  let prov: Provenance;
  try {
    prov = JSON.parse(await fs.readFile(path.join(dir, PROVENANCE_FILE), 'utf8')) as Provenance;
  } catch {
    return [`${path.join(dir, PROVENANCE_FILE)}: missing or not valid JSON`];
  }
  const problems: string[] = [];
  for (const f of prov.files ?? []) {
    const file = path.join(dir, f.file);
    const st = await fs.stat(file).catch(() => undefined);
    if (!st) problems.push(`${file}: missing`);
    else if (st.size !== f.bytes) problems.push(`${file}: ${st.size} bytes, provenance says ${f.bytes}`);
    else if ((await fileSha256(file)) !== f.sha256) problems.push(`${file}: checksum differs from provenance`);
  }
  return problems;
}
