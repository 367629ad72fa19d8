/** Four `cohort run --shard K/4` processes at once into one workspace over 20 hippocampus scans. */
import { describe, expect, it, beforeAll } from 'vitest';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { labelwarp } from '../helpers/cli.js';
import { cohortFolder, cohortRunArgs } from '../helpers/cohort.js';
import { expectEveryResultOnce } from '../helpers/cohort-check.js';

const FAST = ['--option', 'levels=2', '--option', 'iterations=40,20', '--quiet'];

let tmp: string;
let scans: string;
let ids: string[];
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'lw-cohort-shards-'));
  scans = path.join(tmp, 'scans');
  ids = await cohortFolder(scans, 20);
});

describe('cohort run in 4 shards at once', () => {
  it('writes every result exactly once and the summary lists all 20 scans', async () => {
    const workspace = path.join(tmp, 'ws');
    const runs = await Promise.all([0, 1, 2, 3].map((k) => labelwarp(cohortRunArgs(workspace, scans, [...FAST, '--shard', `${k}/4`]))));
    for (const r of runs) {
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/: 5 done \(0 after an interruption\), 0 already done/);
    }
    await expectEveryResultOnce(workspace, ids);
    // Again, unsharded: everything is already done.
    const again = await labelwarp(cohortRunArgs(workspace, scans, FAST));
    expect(again.stdout).toMatch(/: 0 done .*, 20 already done/);
  });
});
