/**
 * Probe (issue 7, item 4): a result folder holds exactly one run's files. Real `labelwarp segment`
 * processes, alternating engines, write into the same folder and are killed (SIGKILL) at random
 * points while they write; after every kill the folder must be the complete result of one run,
 * and after the next run no temporary file or folder is left anywhere.
 */
import { describe, expect, it, beforeAll } from 'vitest';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BIN, ROOT } from '../helpers/cli.js';
import { hippocampusFiles, segmentArgs } from '../helpers/segment-cli.js';

const ENGINES = ['gn', 'affine'] as const;
type Engine = (typeof ENGINES)[number];
const KILLS = 20;

/** A run's content: every file's checksum except metrics.json (which holds timings), by name. */
type Snapshot = Map<string, string>;

let tmp: string;
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'lw-results-'));
});

function args(engine: Engine, out: string): string[] {
  return [BIN, ...segmentArgs(hippocampusFiles('001', '003')), '--engine', engine, '--out', out, '--quiet'];
}

const listing = async (dir: string) => (await fs.readdir(dir).catch(() => [] as string[])).sort();

/** Every entry in the output folder and beside it, to see when a process starts writing. */
async function entries(out: string): Promise<Set<string>> {
  const [beside, inside] = await Promise.all([listing(path.dirname(out)), listing(out)]);
  return new Set([...beside, ...inside.map((n) => `out/${n}`)]);
}

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Seconds from the first new entry near the output until the process ended. */
  writeSeconds: number;
}

/**
 * Runs `labelwarp segment`; with `killAfter`, sends SIGKILL that many seconds after the process
 * first creates anything in or beside the output folder (its writing has begun).
 */
async function segment(engine: Engine, out: string, killAfter?: number): Promise<Run> {
  const before = await entries(out);
  const child = spawn(process.execPath, args(engine, out), { cwd: ROOT, stdio: 'ignore' });
  const exited = new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on('exit', (c, s) => resolve([c, s])));
  let ended = false;
  void exited.then(() => (ended = true));
  let writingSince: number | undefined;
  while (!ended && writingSince === undefined) {
    const now = await entries(out);
    if ([...now].some((e) => !before.has(e))) writingSince = performance.now();
    else await new Promise((r) => setTimeout(r, 2));
  }
  if (killAfter !== undefined && writingSince !== undefined) {
    await new Promise((r) => setTimeout(r, killAfter * 1000));
    child.kill('SIGKILL');
  }
  const [code, signal] = await exited;
  return { code, signal, writeSeconds: writingSince === undefined ? 0 : (performance.now() - writingSince) / 1000 };
}

async function snapshot(dir: string): Promise<{ files: Snapshot; metrics: { engine: string; meanDice: number } }> {
  const files: Snapshot = new Map();
  for (const name of await listing(dir)) {
    if (name === 'metrics.json') continue;
    files.set(
      name,
      createHash('sha256')
        .update(await fs.readFile(path.join(dir, name)))
        .digest('hex'),
    );
  }
  const metrics = JSON.parse(await fs.readFile(path.join(dir, 'metrics.json'), 'utf8')) as { engine: string; meanDice: number };
  return { files, metrics };
}

describe('result folders commit as a whole', () => {
  it(`holds exactly one run's files through ${KILLS} kills during writing, alternating engines`, { timeout: 900_000 }, async () => {
    // Reference: one clean run of each engine in its own folder (the runs are deterministic).
    const reference = new Map<Engine, Awaited<ReturnType<typeof snapshot>>>();
    let writeSeconds = Infinity;
    for (const engine of ENGINES) {
      const r = await segment(engine, path.join(tmp, `reference-${engine}`, 'out'));
      expect(r.code, engine).toBe(0);
      writeSeconds = Math.min(writeSeconds, r.writeSeconds);
      reference.set(engine, await snapshot(path.join(tmp, `reference-${engine}`, 'out')));
    }
    const out = path.join(tmp, 'shared', 'out');
    const expectOneRun = async (when: string) => {
      const { files, metrics } = await snapshot(out);
      const ref = reference.get(metrics.engine as Engine);
      expect(ref, `${when}: engine ${metrics.engine}`).toBeDefined();
      expect([...files.keys()], `${when}: files of one ${metrics.engine} run`).toEqual([...ref!.files.keys()]);
      for (const [name, sum] of files) expect(sum, `${when}: ${name} from the ${metrics.engine} run`).toBe(ref!.files.get(name));
      expect(metrics.meanDice, `${when}: metrics of the ${metrics.engine} run`).toBe(ref!.metrics.meanDice);
    };

    // Successful runs with another engine leave nothing of the earlier run.
    for (const engine of ['gn', 'affine', 'gn'] as const) {
      expect((await segment(engine, out)).code).toBe(0);
      await expectOneRun(`after a complete ${engine} run`);
    }

    // Kills at random points while writing: within the shorter reference run's time from its first
    // file to its exit (which also holds the exit itself, so a few kills come too late).
    const outcomes: string[] = [];
    for (let i = 0; i < KILLS; i++) {
      const engine = ENGINES[i % 2];
      const r = await segment(engine, out, Math.random() * writeSeconds * 0.8);
      outcomes.push(r.signal ?? `exit ${r.code}`);
      if (await fs.stat(out).catch(() => undefined)) await expectOneRun(`kill ${i + 1} (${engine}, ${outcomes[i]})`);
    }
    expect(outcomes.filter((o) => o === 'SIGKILL').length, outcomes.join(', ')).toBeGreaterThanOrEqual(KILLS / 2);

    // The next run cleans up whatever the kills left.
    expect((await segment('affine', out)).code).toBe(0);
    await expectOneRun('after the final run');
    expect(await listing(path.dirname(out))).toEqual(['out']);
  });
});
