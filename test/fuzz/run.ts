/**
 * npm run fuzz: generates the corrupted-NIfTI corpus (test/fuzz/generate.ts, seeded), reads every
 * case through the core reader in a worker process with a per-case timeout, runs a sample through
 * the real command line (`labelwarp segment`; FUZZ_SKIP_CLI=1 skips it), and prints a table of outcomes. Exits 1 when any
 * case crashes, hangs or is silently wrong.
 *
 * - clean error: refused with one line naming the file, no raw JavaScript/ITK text;
 * - success: read, and equal to an independent decode of the same bytes (reference-nifti.ts):
 *   dims, spacing, a qform/sform geometry, every voxel;
 * - crash: any other error (raw exception, several lines, no file name) or the worker dying;
 * - hang: no answer within the per-case timeout (the worker is killed and restarted);
 * - silent wrong: read although the reference decoder finds the file inconsistent, or read into
 *   values/geometry that differ from the reference decode; for the CLI, a run that succeeds on a
 *   file the reader refuses.
 */
import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { generateCorpus } from './generate.js';
import type { FuzzCase } from './generate.js';
import { classifyError, OUTCOMES } from './outcome.js';
import type { Outcome } from './outcome.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const SHARED = process.env.LABELWARP_DATA ?? path.resolve(ROOT, '..', 'shared', 'data');
const HIPPO = path.join(SHARED, 'hippocampus');
const CASE_TIMEOUT_MS = Number(process.env.FUZZ_CASE_TIMEOUT_MS ?? 60_000);
const CLI_TIMEOUT_MS = 240_000;

interface Result {
  c: FuzzCase;
  file: string;
  outcome: Outcome;
  detail: string;
  ms: number;
}

/** A long-lived reader process; restarted after a hang or a death. */
class Worker {
  private child?: ChildProcessWithoutNullStreams;
  private pending?: (line: string | undefined) => void;

  private start(): ChildProcessWithoutNullStreams {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'test', 'fuzz', 'read-case.ts')], { cwd: ROOT });
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (line.startsWith('{')) this.settle(line);
    });
    child.stderr.resume();
    child.on('exit', () => {
      if (this.child === child) this.child = undefined;
      this.settle(undefined);
    });
    return child;
  }

  private settle(line: string | undefined): void {
    const p = this.pending;
    this.pending = undefined;
    p?.(line);
  }

  async read(file: string, kind: string): Promise<{ outcome: Outcome; detail: string }> {
    this.child ??= this.start();
    const child = this.child;
    const answer = new Promise<string | undefined>((resolve) => (this.pending = resolve));
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), CASE_TIMEOUT_MS)));
    child.stdin.write(`${JSON.stringify({ file, kind })}\n`);
    const got = await Promise.race([answer, timeout]);
    clearTimeout(timer);
    if (got === 'timeout') {
      this.pending = undefined;
      this.child = undefined;
      child.kill('SIGKILL');
      return { outcome: 'hang', detail: `no answer within ${CASE_TIMEOUT_MS / 1000} s` };
    }
    if (got === undefined) return { outcome: 'crash', detail: 'the reader process died' };
    return JSON.parse(got);
  }

  stop(): void {
    this.child?.stdin.end();
  }
}

function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string; timedOut: boolean }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [path.join(ROOT, 'bin', 'labelwarp.mjs'), ...args], {
      cwd: ROOT,
      env: { ...process.env, LABELWARP_DEBUG: '' },
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      p.kill('SIGKILL');
    }, CLI_TIMEOUT_MS);
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, timedOut });
    });
  });
}

/** The CLI on one case: as the scan (images) or as the scan's reference labels (label maps). */
async function cliCase(r: Result, out: string): Promise<{ outcome: Outcome; detail: string }> {
  const template = [
    '--template-image',
    path.join(HIPPO, 'hippocampus_003_image.nii.gz'),
    '--template-labels',
    path.join(HIPPO, 'hippocampus_003_labels.nii.gz'),
  ];
  const scan =
    r.c.kind === 'labels' ? ['--scan', path.join(HIPPO, 'hippocampus_001_image.nii.gz'), '--scan-labels', r.file] : ['--scan', r.file];
  const res = await runCli(['segment', ...template, ...scan, '--engine', 'affine', '--out', out, '--quiet']);
  if (res.timedOut) return { outcome: 'hang', detail: `no exit within ${CLI_TIMEOUT_MS / 1000} s` };
  if (res.code === 0) {
    if (r.outcome !== 'success') return { outcome: 'silent wrong', detail: `exit 0, but the reader says: ${r.detail}` };
    return { outcome: 'success', detail: res.stdout.split('\n')[0] };
  }
  if (res.stdout.trim() !== '') return { outcome: 'crash', detail: `exit ${res.code} with output on stdout: ${res.stdout.slice(0, 200)}` };
  const outcome = classifyError(res.stderr, r.file);
  // A label map that reads fine may still be refused for its grid (the synthetic 4×3×2 ones): that is clean.
  return { outcome, detail: res.stderr.trim() };
}

function table(title: string, rows: Map<string, Map<Outcome, number>>): string {
  const head = ['category', ...OUTCOMES, 'total'];
  const lines = [...rows].map(([cat, counts]) => [
    cat,
    ...OUTCOMES.map((o) => String(counts.get(o) ?? 0)),
    String([...counts.values()].reduce((a, b) => a + b, 0)),
  ]);
  const totals = OUTCOMES.map((o) => [...rows.values()].reduce((a, m) => a + (m.get(o) ?? 0), 0));
  lines.push(['all', ...totals.map(String), String(totals.reduce((a, b) => a + b, 0))]);
  const width = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const fmt = (l: string[]) => `| ${l.map((x, i) => (i === 0 ? x.padEnd(width[i]) : x.padStart(width[i]))).join(' | ')} |`;
  return [
    title,
    fmt(head),
    `|${width.map((w, i) => (i === 0 ? ':' : '-') + '-'.repeat(w) + (i === 0 ? '-' : ':')).join('|')}|`,
    ...lines.map(fmt),
  ].join('\n');
}

function tally(results: { c: FuzzCase; outcome: Outcome }[]): Map<string, Map<Outcome, number>> {
  const rows = new Map<string, Map<Outcome, number>>();
  for (const r of results) {
    const row = rows.get(r.c.category) ?? new Map<Outcome, number>();
    row.set(r.outcome, (row.get(r.outcome) ?? 0) + 1);
    rows.set(r.c.category, row);
  }
  return rows;
}

async function main(): Promise<number> {
  const started = performance.now();
  const bases = {
    image: gunzipSync(await fs.readFile(path.join(HIPPO, 'hippocampus_001_image.nii.gz'))),
    labels: gunzipSync(await fs.readFile(path.join(HIPPO, 'hippocampus_001_labels.nii.gz'))),
  };
  const corpus = generateCorpus(bases);
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'labelwarp-fuzz-'));
  process.stdout.write(`fuzz: ${corpus.length} cases (seeded), written to ${dir}\n`);

  const worker = new Worker();
  const results: Result[] = [];
  for (const c of corpus) {
    const file = path.join(dir, c.name);
    await fs.writeFile(file, c.bytes);
    const t = performance.now();
    const r = await worker.read(file, c.kind);
    results.push({ c, file, ...r, ms: performance.now() - t });
  }
  worker.stop();

  // The real command line on a sample: the first case of every category, plus every 25th case.
  const sample = process.env.FUZZ_SKIP_CLI
    ? []
    : results.filter((r, i) => results.findIndex((x) => x.c.category === r.c.category) === i || i % 25 === 0);
  const cli: Result[] = [];
  for (const r of sample) {
    const t = performance.now();
    const res = await cliCase(r, path.join(dir, `out-${r.c.name}`));
    cli.push({ ...r, ...res, ms: performance.now() - t });
  }

  process.stdout.write(
    `\n${table(`core reader, in a worker process (${results.length} cases, ${CASE_TIMEOUT_MS / 1000} s timeout each)`, tally(results))}\n`,
  );
  process.stdout.write(
    `\n${table(`labelwarp segment (${cli.length} sampled cases, ${CLI_TIMEOUT_MS / 1000} s timeout each)`, tally(cli))}\n`,
  );
  const slowest = results.reduce((a, b) => (b.ms > a.ms ? b : a));
  process.stdout.write(
    `\nslowest reader case: ${slowest.c.name} ${slowest.ms.toFixed(0)} ms; total ${((performance.now() - started) / 1000).toFixed(0)} s\n`,
  );
  const bad = [...results.map((r) => ({ ...r, via: 'reader' })), ...cli.map((r) => ({ ...r, via: 'cli' }))].filter(
    (r) => r.outcome === 'crash' || r.outcome === 'hang' || r.outcome === 'silent wrong',
  );
  for (const r of bad) process.stdout.write(`${r.outcome} (${r.via}): ${r.c.name} — ${r.c.description} — ${r.detail}\n`);
  if (process.env.FUZZ_VERBOSE)
    for (const r of results) process.stdout.write(`${r.outcome}: ${r.c.name} — ${r.c.description} — ${r.detail}\n`);
  await fs.rm(dir, { recursive: true, force: true });
  return bad.length === 0 ? 0 : 1;
}

process.exitCode = await main();
