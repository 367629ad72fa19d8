/**
 * `labelwarp bench cohort`: batch label transfer of 100 hippocampus scans into a fresh workspace
 * with the fastest engine (affine), as `cohort run` does it, in one process: seconds per scan end
 * to end (reading, registration, label transfer, metrics, writing the result and its provenance)
 * and the process's peak resident memory after 10 and after all scans, which must stay flat
 * (within 20 %).
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { listScans as listScanFiles } from '../learned/dataset.js';
import { initTensorBackend } from '../tensor/backend.js';
import { sharedDataDir } from '../cli/sample-data.js';
import { openWorkspace, importScan, importTemplate } from '../workspace/workspace.js';
import type { ScanRecord } from '../workspace/workspace.js';
import { defineRun } from '../workspace/runs.js';
import { runBatch } from '../workspace/batch.js';
import { summarizeRun } from '../workspace/summary.js';
import { fmt, machineLine, report } from './report.js';

const ENGINE = 'affine';

export async function cohortBench(values: Record<string, unknown>): Promise<number> {
  const count = values.pairs ? Number(values.pairs) : 100;
  const dir = path.join((values.data as string | undefined) ?? sharedDataDir(), 'hippocampus');
  const template = { image: path.join(dir, 'hippocampus_001_image.nii.gz'), labels: path.join(dir, 'hippocampus_001_labels.nii.gz') };
  const files = (await listScanFiles(dir, dir, [template.image])).slice(0, count);
  const backend = await initTensorBackend();
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'lw-bench-cohort-'));
  try {
    const ws = await openWorkspace(path.join(root, 'ws'), { create: true });
    const importStarted = performance.now();
    const t = (await importTemplate(ws, template)).record;
    const known: ScanRecord[] = [];
    for (const f of files) known.push((await importScan(ws, { image: f.image, labels: f.labels, name: f.id }, known)).record);
    const importSeconds = (performance.now() - importStarted) / 1000;
    const run = await defineRun(ws, { templateId: t.id, engine: ENGINE });
    const checkpoints = new Map<number, { rssMiB: number; peakMiB: number; seconds: number }>();
    const started = performance.now();
    let done = 0;
    const mib = (bytes: number) => bytes / 2 ** 20;
    const batch = await runBatch(
      ws,
      run,
      known.map((s) => s.id),
      {
        onScan: (scan, outcome) => {
          if (outcome !== 'done') return;
          done++;
          if (done === 10 || done === known.length || done % 25 === 0) {
            const peak = mib(process.resourceUsage().maxRSS * 1024);
            const seconds = (performance.now() - started) / 1000;
            checkpoints.set(done, { rssMiB: mib(process.memoryUsage().rss), peakMiB: peak, seconds });
            process.stderr.write(
              `${done} scans: ${fmt(seconds / done, 2)} s per scan, RSS ${fmt(mib(process.memoryUsage().rss), 0)} MiB, peak ${fmt(peak, 0)} MiB\n`,
            );
          }
        },
      },
    );
    const summary = await summarizeRun(ws, run);
    const rows = [...checkpoints.entries()].map(([n, c]) => [n, fmt(c.seconds / n, 2), fmt(c.rssMiB, 0), fmt(c.peakMiB, 0)]);
    const at10 = checkpoints.get(10);
    const atEnd = checkpoints.get(known.length);
    const ratio = at10 && atEnd ? atEnd.peakMiB / at10.peakMiB : NaN;
    const perScanJobs = summary.rows.reduce((a, r) => a + r.seconds, 0) / Math.max(1, summary.rows.length);
    await report(
      'cohort',
      `Benchmark cohort: template hippocampus_001 → ${known.length} hippocampus scans, engine ${ENGINE}, one process, ${new Date().toISOString().slice(0, 10)}, ${machineLine(backend.description)}`,
      ['scans done', 's per scan (wall, so far)', 'RSS MiB', 'peak RSS MiB (so far)'],
      rows,
      [
        `end to end: ${fmt(batch.seconds / Math.max(1, batch.done.length), 2)} s per scan (batch wall clock / scans: claim, read, register, transfer labels, metrics, write the result folder with provenance, commit); per job as recorded in provenance.json: ${fmt(perScanJobs, 2)} s; import of the ${known.length} scans before: ${fmt(importSeconds, 1)} s`,
        `peak RSS after ${known.length} scans / after 10: ${fmt(ratio, 3)} (flat when within 1.2)${Number.isFinite(ratio) ? (ratio <= 1.2 ? ': flat' : ': NOT flat') : ''}`,
        `${batch.done.length} done, ${batch.failed.length} failed; mean Dice ${fmt(summary.meanDice)}`,
      ],
      values.markdown as string | undefined,
    );
    return batch.failed.length === 0 && ratio <= 1.2 ? 0 : 1;
  } finally {
    if (!values.keep) await fs.rm(root, { recursive: true, force: true });
  }
}
