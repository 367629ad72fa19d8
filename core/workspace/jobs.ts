/**
 * Jobs of a run: one scan each. A job is claimed by creating runs/RUN/jobs/SCAN.json (exclusive:
 * one process wins) and released after its result folder is committed. So a job's state is read
 * from the disk alone: a result folder means done (whatever else is there); a claim whose process
 * is gone (same host: no such process; another host: no heartbeat for STALE_MS) means
 * interrupted, and the next run takes it over and redoes it; a failure record means failed.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { createRecord, readRecordIfPresent, writeRecord } from './records.js';
import { dirs } from './layout.js';
import type { Workspace } from './workspace.js';
import { exists } from '../util/exists.js';

export type JobState = 'done' | 'running' | 'interrupted' | 'failed' | 'pending';

export interface Claim {
  pid: number;
  host: string;
  token: string;
  startedAt: string;
}

export interface Failure {
  error: string;
  at: string;
}

export interface JobStatus {
  scan: string;
  state: JobState;
  claim?: Claim;
  failure?: Failure;
}

/** A claim on another host counts as alive while its heartbeat (the file's mtime) is this recent. */
export const STALE_MS = 10 * 60 * 1000;
const HEARTBEAT_MS = 60 * 1000;

// Claims this process holds (a claim naming this pid but not held here was left by an abandoned job).
const held = new Set<string>();

async function claimAlive(file: string, claim: Claim | undefined): Promise<boolean> {
  if (!claim || typeof claim.pid !== 'number') {
    // A damaged claim: alive only while fresh.
    const st = await fs.stat(file).catch(() => undefined);
    return Boolean(st && Date.now() - st.mtimeMs < STALE_MS);
  }
  if (claim.host !== os.hostname()) {
    const st = await fs.stat(file).catch(() => undefined);
    return Boolean(st && Date.now() - st.mtimeMs < STALE_MS);
  }
  if (claim.pid === process.pid) return held.has(claim.token);
  try {
    process.kill(claim.pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function jobStatus(ws: Workspace, run: string, scan: string): Promise<JobStatus> {
  if (await exists(dirs.result(ws.root, run, scan))) return { scan, state: 'done' };
  const file = dirs.claim(ws.root, run, scan);
  const claim = await readRecordIfPresent<Claim>(file, 'job claim').catch(() => ({}) as Claim);
  const failure = await readRecordIfPresent<Failure>(dirs.failure(ws.root, run, scan), 'job failure').catch(() => undefined);
  if (claim || (await exists(file))) {
    return { scan, state: (await claimAlive(file, claim)) ? 'running' : 'interrupted', claim, failure };
  }
  return { scan, state: failure ? 'failed' : 'pending', failure };
}

export interface HeldClaim {
  file: string;
  claim: Claim;
  release(): Promise<void>;
}

/**
 * Claims a job, taking over an interrupted one; undefined when another live process holds it or
 * its result exists. The claim's mtime is refreshed every minute while held.
 */
export async function claimJob(ws: Workspace, run: string, scan: string): Promise<HeldClaim | undefined> {
  const file = dirs.claim(ws.root, run, scan);
  await fs.mkdir(path.dirname(file), { recursive: true });
  const claim: Claim = {
    pid: process.pid,
    host: os.hostname(),
    token: randomBytes(8).toString('hex'),
    startedAt: new Date().toISOString(),
  };
  for (let attempt = 0; attempt < 3; attempt++) {
    if (await exists(dirs.result(ws.root, run, scan))) return undefined;
    held.add(claim.token);
    if (await createRecord(file, claim)) {
      // The result may have been committed between the check and the claim.
      if (await exists(dirs.result(ws.root, run, scan))) {
        held.delete(claim.token);
        await fs.rm(file, { force: true });
        return undefined;
      }
      const timer = setInterval(() => {
        const now = new Date();
        fs.utimes(file, now, now).catch(() => undefined);
      }, HEARTBEAT_MS);
      timer.unref();
      return {
        file,
        claim,
        release: async () => {
          clearInterval(timer);
          held.delete(claim.token);
          await fs.rm(file, { force: true });
        },
      };
    }
    held.delete(claim.token);
    const status = await jobStatus(ws, run, scan);
    if (status.state !== 'interrupted') return undefined;
    // Take the dead claim aside (only one process's rename succeeds), check it is the dead one.
    const aside = `${file}.stale-${process.pid}-${randomBytes(4).toString('hex')}`;
    try {
      await fs.rename(file, aside);
    } catch {
      continue;
    }
    const taken = await readRecordIfPresent<Claim>(aside, 'job claim').catch(() => undefined);
    if (taken && status.claim && taken.token !== status.claim.token) {
      // A live process claimed it in between: put its claim back unless someone else did meanwhile.
      await fs.link(aside, file).catch(() => undefined);
      await fs.rm(aside, { force: true });
      return undefined;
    }
    await fs.rm(aside, { force: true });
  }
  return undefined;
}

export async function recordFailure(ws: Workspace, run: string, scan: string, error: string): Promise<void> {
  const failure: Failure = { error, at: new Date().toISOString() };
  await writeRecord(dirs.failure(ws.root, run, scan), failure);
}

export async function clearFailure(ws: Workspace, run: string, scan: string): Promise<void> {
  await fs.rm(dirs.failure(ws.root, run, scan), { force: true });
}

/** Claims left by processes that are gone, for a result that was committed: removed (tidying only). */
export async function tidyJobs(ws: Workspace, run: string): Promise<void> {
  const dir = dirs.jobs(ws.root, run);
  for (const name of await fs.readdir(dir).catch(() => [] as string[])) {
    const m = /^(.+)\.json$/.exec(name);
    if (!m || name.endsWith('.failed.json')) continue;
    if (await exists(dirs.result(ws.root, run, m[1]))) {
      const claim = await readRecordIfPresent<Claim>(path.join(dir, name), 'job claim').catch(() => undefined);
      if (!(await claimAlive(path.join(dir, name), claim))) await fs.rm(path.join(dir, name), { force: true });
    }
  }
}
