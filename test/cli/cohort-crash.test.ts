/**
 * Crash test at the file level: `labelwarp cohort run` killed (SIGKILL, no clean-up) at 20 random
 * moments; after each kill the workspace opens, every result folder matches its provenance record
 * (no truncated file), and the next run resumes. At the end every scan has exactly one result.
 */
import { describe, expect, it, beforeAll } from 'vitest';
import { promises as fs } from 'node:fs';
import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { BIN, ROOT, labelwarp } from '../helpers/cli.js';
import { cohortFolder, cohortRunArgs } from '../helpers/cohort.js';
import { openWorkspace, listScans, listTemplates } from '../../core/workspace/workspace.js';
import { listRuns, runResults, removeResult } from '../../core/workspace/runs.js';
import { jobStatus } from '../../core/workspace/jobs.js';
import { verifyResult } from '../../core/workspace/provenance.js';
import { readVolume } from '../../core/volume/io.js';
import { mulberry32 } from '../../core/util/random.js';

const KILLS = 20;
const SCANS = 5;
// Fast settings: the time goes to reading and writing, where a kill does the most harm.
const FAST = ['--option', 'levels=1', '--option', 'iterations=10'];

let tmp: string;
let scans: string;
let ids: string[];
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'lw-cohort-crash-'));
  scans = path.join(tmp, 'scans');
  ids = await cohortFolder(scans, SCANS);
});

/** Starts the run and kills it `delayMs` after it announced the run (i.e. after start-up). */
function runAndKill(workspace: string, delayMs: number): Promise<{ killed: boolean; code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [BIN, ...cohortRunArgs(workspace, scans, FAST)], {
      cwd: ROOT,
      env: { ...process.env, LABELWARP_DEBUG: '' },
    });
    let stderr = '';
    let killed = false;
    let timer: NodeJS.Timeout | undefined;
    p.stdout.resume();
    p.stderr.on('data', (d) => {
      stderr += d;
      if (!timer && /^run /m.test(stderr))
        timer = setTimeout(() => {
          killed = p.kill('SIGKILL');
        }, delayMs);
    });
    p.on('close', (code) => {
      clearTimeout(timer);
      resolve({ killed, code, stderr });
    });
  });
}

describe('cohort run killed at random points', () => {
  it(`never leaves a workspace that fails to open nor a truncated result (${KILLS} kills)`, async () => {
    const workspace = path.join(tmp, 'ws');
    const random = mulberry32(11);
    let killedMidRun = 0;
    let interruptedSeen = 0;
    // Kill delays are drawn below maxDelay; a run that finishes before its kill shrinks it, so the
    // kills land inside the run on a fast machine as well as on a loaded one.
    let maxDelay = 1500;
    for (let attempt = 0; killedMidRun < KILLS && attempt < 3 * KILLS; attempt++) {
      const r = await runAndKill(workspace, Math.floor(random() * maxDelay));
      if (r.killed) killedMidRun++;
      else {
        expect(r.code, r.stderr).toBe(0);
        maxDelay = Math.max(50, Math.floor(maxDelay * 0.6));
      }
      const ws = await openWorkspace(workspace);
      expect((await listTemplates(ws)).length).toBe(1);
      expect((await listScans(ws)).length).toBeLessThanOrEqual(SCANS);
      for (const s of await listScans(ws)) await readVolume(path.join(ws.root, 'scans', s.id, s.image.file));
      for (const run of await listRuns(ws)) {
        const results = await runResults(ws, run.id);
        for (const res of results) {
          expect(await verifyResult(res.dir), res.dir).toEqual([]);
          await readVolume(path.join(res.dir, 'labels.nii.gz'), 'labels');
        }
        for (const id of ids) if ((await jobStatus(ws, run.id, id)).state === 'interrupted') interruptedSeen++;
        // Keep work for the next kill once everything is done.
        if (results.length === SCANS) await removeResult(ws, run.id, results[Math.floor(random() * SCANS)].scan);
      }
    }
    expect(killedMidRun).toBe(KILLS);
    expect(interruptedSeen).toBeGreaterThan(0);
    // The same command finishes the run: every scan once, nothing interrupted left.
    const last = await labelwarp(cohortRunArgs(workspace, scans, [...FAST, '--quiet']));
    expect(last.code, last.stderr).toBe(0);
    const ws = await openWorkspace(workspace);
    const runs = await listRuns(ws);
    expect(runs).toHaveLength(1);
    const results = await runResults(ws, runs[0].id);
    expect(results.map((r) => r.scan).sort()).toEqual(ids);
    for (const id of ids) expect((await jobStatus(ws, runs[0].id, id)).state).toBe('done');
    // Nothing left behind but the workspace's own entries (staging folders of dead runs are removed).
    const runDir = path.join(ws.root, 'runs', runs[0].id);
    expect((await fs.readdir(runDir)).filter((n) => n.startsWith('.'))).toEqual([]);
    console.log(`cohort crash test: ${killedMidRun} kills mid-run, ${interruptedSeen} interrupted jobs seen and redone`);
  });
});
