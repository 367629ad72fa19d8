/** `labelwarp cohort run|summary|status`: batch label transfer into a workspace, and its summary. */
import path from 'node:path';
import { parse, required, keyValues } from './args.js';
import { formatTable } from './table.js';
import { listScans as listScanFiles } from '../learned/dataset.js';
import { LabelWarpError } from '../util/errors.js';
import { writeTextAtomically } from '../util/atomic.js';
import { openWorkspace, importScan, importTemplate, listScans } from '../workspace/workspace.js';
import { labelTableBeside } from '../labels/label-table-file.js';
import { defineRun, listRuns } from '../workspace/runs.js';
import { parseShard, runBatch, shardOf } from '../workspace/batch.js';
import type { BatchProgress } from '../workspace/batch.js';
import { summarizeWorkspace, summaryCsv } from '../workspace/summary.js';
import type { CohortSummary, RunSummary } from '../workspace/summary.js';
import { listEngines } from '../engines/index.js';

export const COHORT_HELP = `labelwarp cohort — batch label transfer into a workspace, and its summary

Usage:
  labelwarp cohort run --workspace W --template-image A --template-labels AL --scans DIR
                       --engine E [--model M] [--option key=value …] [--shard K/N] [--quiet]
  labelwarp cohort summary --workspace W [--run RUN …] [--csv FILE]
  labelwarp cohort status --workspace W

run       imports the template and the scans of DIR into the workspace W (created if missing;
          X_labels.nii.gz beside X_image.nii.gz or X_t1.nii.gz are the scan's reference labels;
          a file already imported, by checksum, is not copied again), then transfers the template's
          labels onto every scan with engine E. Each result is a folder
          W/runs/RUN/sub-SCAN/ (labels.nii.gz, displacement.nii, warped-template.nii,
          metrics.json with per-label volumes in ml, provenance.json), committed as a whole.
          RUN is named from the configuration (template, engine, options, model): running the
          same command again resumes it, skipping finished scans and redoing interrupted ones.
  --shard K/N  only every N-th scan of DIR (sorted by name), starting at the K-th, 0 ≤ K < N:
          for a Slurm array (--shard $SLURM_ARRAY_TASK_ID/N) or a Kubernetes indexed Job
          (--shard $JOB_COMPLETION_INDEX/N) over storage every task shares. Any number of
          processes may write one workspace at once.
summary   prints, per run, scans × labels (Dice, volume and reference volume in ml), mean Dice,
          HD95, seconds and outliers (low Dice, poor pre-alignment, folding); the Dice distribution
          per label; and every two runs on one template compared (Dice per label side by side,
          paired differences, time per scan). --csv FILE writes one row per result and label.
status    lists the runs with their jobs: done, running, interrupted, failed, pending.
`;

/** The flags of `cohort run` (the docs' Slurm script and Kubernetes manifest are checked against them). */
export const COHORT_RUN_FLAGS = {
  workspace: { type: 'string' },
  'template-image': { type: 'string' },
  'template-labels': { type: 'string' },
  scans: { type: 'string' },
  engine: { type: 'string' },
  model: { type: 'string' },
  option: { type: 'string', multiple: true },
  shard: { type: 'string' },
  quiet: { type: 'boolean' },
} as const;

function parseRun(args: string[]) {
  return parse(args, COHORT_RUN_FLAGS);
}

const seconds = (s: number | undefined) => (s === undefined ? '?' : s < 90 ? `${s.toFixed(0)} s` : `${(s / 60).toFixed(1)} min`);

async function runCommand(args: string[]): Promise<number> {
  const { values } = parseRun(args);
  if (values.help) {
    process.stdout.write(
      COHORT_HELP +
        `\nEngines: ${listEngines()
          .map((e) => e.name)
          .join(', ')}\n`,
    );
    return 0;
  }
  const wsDir = required(values, 'workspace');
  const templateImage = required(values, 'template-image');
  const templateLabels = required(values, 'template-labels');
  const scansDir = required(values, 'scans');
  const engine = required(values, 'engine');
  const shard = values.shard ? parseShard(values.shard as string) : undefined;
  const quiet = Boolean(values.quiet);
  const log = (line: string) => {
    if (!quiet) process.stderr.write(`${line}\n`);
  };
  const options: Record<string, unknown> = keyValues(values.option);
  const files = shardOf(await listScanFiles(scansDir, scansDir, [templateImage]), shard);
  const ws = await openWorkspace(wsDir, { create: true });
  const table = await labelTableBeside(templateLabels, async () => true);
  const template = await importTemplate(ws, { image: templateImage, labels: templateLabels, table });
  if (template.duplicate) log(`template ${template.record.id}: already in the workspace (same checksum)`);
  const known = await listScans(ws);
  const scanIds: string[] = [];
  let duplicates = 0;
  for (const f of files) {
    const r = await importScan(ws, { image: f.image, labels: f.labels, name: f.id }, known);
    if (r.duplicate) duplicates++;
    else known.push(r.record);
    if (!scanIds.includes(r.record.id)) scanIds.push(r.record.id);
  }
  log(
    `${files.length} scans${shard ? ` (shard ${shard.index}/${shard.count})` : ''}: ${files.length - duplicates} imported, ${duplicates} already in the workspace`,
  );
  const run = await defineRun(ws, { templateId: template.record.id, engine, options, model: values.model as string | undefined });
  log(`run ${run.id} (engine ${run.engine}, template ${run.template.name}${run.model ? `, model ${run.model.id}` : ''})`);
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let lastLine = 0;
  const onProgress = (p: BatchProgress) => {
    if (quiet || Date.now() - lastLine < 2000) return;
    lastLine = Date.now();
    const cur = p.current ? `, ${p.current.scan} ${(100 * p.current.fraction).toFixed(0)}% ${p.current.stage}` : '';
    process.stderr.write(
      `  ${(100 * p.fraction).toFixed(0)}% (${p.finished}/${p.total} done${cur}), about ${seconds(p.etaSeconds)} left\n`,
    );
  };
  const report = await runBatch(ws, run, scanIds, {
    signal: controller.signal,
    onProgress,
    onScan: (scan, outcome, detail) => {
      if (outcome !== 'skipped') log(`  ${scan}: ${outcome}${detail ? ` (${detail})` : ''}`);
    },
  }).finally(() => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  });
  const per = report.done.length ? report.seconds / report.done.length : undefined;
  process.stdout.write(
    `run ${run.id}: ${report.done.length} done (${report.redone.length} after an interruption), ${report.skipped.length} already done, ` +
      `${report.busy.length} held by other processes, ${report.failed.length} failed${report.cancelled ? ', cancelled' : ''}; ` +
      `${per !== undefined ? `${per.toFixed(2)} s per scan` : 'nothing computed'}\nworkspace ${ws.root}\n`,
  );
  for (const f of report.failed) process.stdout.write(`failed: ${f.scan}: ${f.error}\n`);
  return report.failed.length > 0 || report.cancelled ? 1 : 0;
}

const f3 = (x: number | undefined | null) => (x === undefined || x === null || !Number.isFinite(x) ? '–' : x.toFixed(3));
const f2 = (x: number | undefined | null) => (x === undefined || x === null || !Number.isFinite(x) ? '–' : x.toFixed(2));

/** Per-label columns are printed for up to this many labels (all are in the CSV). */
const MAX_LABEL_COLUMNS = 6;

function runTable(rs: RunSummary): string {
  const labels = rs.labels.length <= MAX_LABEL_COLUMNS ? rs.labels : [];
  const header = ['scan', ...labels.map((l) => `Dice ${l}`), 'mean Dice', 'HD95 mm', ...labels.map((l) => `ml ${l} (ref)`), 's', 'outlier'];
  const rows = rs.rows.map((r) => [
    r.scanName,
    ...labels.map((l) => f3(r.labels.find((x) => x.label === l)?.dice)),
    f3(r.meanDice),
    f2(r.meanHd95),
    ...labels.map((l) => {
      const x = r.labels.find((y) => y.label === l);
      return x ? `${f3(x.volumeMl)}${x.referenceVolumeMl !== undefined ? ` (${f3(x.referenceVolumeMl)})` : ''}` : '–';
    }),
    r.seconds.toFixed(1),
    r.outlier.join('; '),
  ]);
  return formatTable(header, rows);
}

export function formatSummary(summary: CohortSummary): string {
  const out: string[] = [];
  if (summary.runs.length === 0) return 'no runs in this workspace\n';
  for (const rs of summary.runs) {
    const r = rs.run;
    const open = Object.entries(rs.states)
      .map(([state, scans]) => `${scans.length} ${state}`)
      .join(', ');
    out.push(
      `run ${r.id}: engine ${r.engine}, template ${r.template.name}${r.model ? `, model ${r.model.id}` : ''}; ` +
        `${rs.rows.length} results${open ? ` (${open})` : ''}, mean Dice ${f3(rs.meanDice)}, ${rs.secondsPerScan.toFixed(2)} s per scan`,
    );
    out.push(runTable(rs));
    if (rs.dice.length > 0) {
      out.push('Dice per label across scans:');
      out.push(
        formatTable(
          ['label', 'n', 'mean', 'sd', 'min', 'Q1', 'median', 'Q3', 'max'],
          rs.dice.map(({ label, distribution: d }) => [
            label,
            d.n,
            f3(d.mean),
            f3(d.sd),
            f3(d.min),
            f3(d.q1),
            f3(d.median),
            f3(d.q3),
            f3(d.max),
          ]),
        ),
      );
    }
    const outliers = rs.rows.filter((x) => x.outlier.length > 0);
    out.push(outliers.length ? `outliers: ${outliers.map((x) => `${x.scanName} (${x.outlier.join('; ')})`).join(', ')}` : 'outliers: none');
    out.push('');
  }
  for (const c of summary.comparisons) {
    out.push(`comparison ${c.a} (${c.engines[0]}) vs ${c.b} (${c.engines[1]}), ${c.scans.length} scans, difference = B − A:`);
    out.push(
      formatTable(
        ['label', `Dice A`, `Dice B`, 'mean diff', 'sd diff', 'B better'],
        [
          ...c.perLabel.map((l) => [l.label, f3(l.meanA), f3(l.meanB), f3(l.meanDifference), f3(l.sdDifference), `${l.bBetter}/${l.n}`]),
          ['mean', f3(c.meanDice.a), f3(c.meanDice.b), f3(c.meanDice.meanDifference), f3(c.meanDice.sdDifference), ''],
        ],
      ),
    );
    out.push(`time per scan: A ${c.secondsPerScan.a.toFixed(2)} s, B ${c.secondsPerScan.b.toFixed(2)} s`);
    out.push('');
  }
  return out.join('\n') + '\n';
}

async function summaryCommand(args: string[]): Promise<number> {
  const { values } = parse(args, { workspace: { type: 'string' }, run: { type: 'string', multiple: true }, csv: { type: 'string' } });
  if (values.help) {
    process.stdout.write(COHORT_HELP);
    return 0;
  }
  const ws = await openWorkspace(required(values, 'workspace'));
  const runs = values.run as string[] | undefined;
  if (runs) {
    const known = new Set((await listRuns(ws)).map((r) => r.id));
    const missing = runs.filter((r) => !known.has(r));
    if (missing.length) throw new LabelWarpError(`no run ${missing.join(', ')} in this workspace`, ws.root);
  }
  const summary = await summarizeWorkspace(ws, runs);
  process.stdout.write(formatSummary(summary));
  if (values.csv) {
    const file = path.resolve(values.csv as string);
    await writeTextAtomically(file, summaryCsv(summary));
    process.stdout.write(`wrote ${file}\n`);
  }
  return 0;
}

async function statusCommand(args: string[]): Promise<number> {
  const { values } = parse(args, { workspace: { type: 'string' } });
  if (values.help) {
    process.stdout.write(COHORT_HELP);
    return 0;
  }
  const ws = await openWorkspace(required(values, 'workspace'));
  const summary = await summarizeWorkspace(ws);
  const scans = await listScans(ws);
  process.stdout.write(`workspace ${ws.root} (version ${ws.info.version}): ${scans.length} scans, ${summary.runs.length} runs\n`);
  for (const rs of summary.runs) {
    const parts = [
      `${rs.rows.length} done`,
      ...Object.entries(rs.states).map(
        ([s, ids]) => `${ids.length} ${s}${s === 'interrupted' || s === 'failed' ? ` (${ids.join(', ')})` : ''}`,
      ),
    ];
    process.stdout.write(`${rs.run.id} (${rs.run.engine}, template ${rs.run.template.name}): ${parts.join(', ')}\n`);
  }
  return 0;
}

export async function cohortCommand(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (!sub || sub === '--help' || sub === '-h') {
    process.stdout.write(COHORT_HELP);
    return 0;
  }
  if (sub === 'run') return runCommand(rest);
  if (sub === 'summary') return summaryCommand(rest);
  if (sub === 'status') return statusCommand(rest);
  throw new LabelWarpError(`unknown cohort command "${sub}"; use run, summary or status`);
}
