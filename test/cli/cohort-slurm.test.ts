/**
 * The Slurm example of docs/cohort/slurm-array.sh run for real: a one-node Slurm cluster on this
 * machine (../shared/tools/slurm-local.sh, Debian's slurm-wlm and munge), `sbatch --array` of the
 * script over 20 hippocampus scans into one workspace. Skipped, with the reason, where Slurm
 * cannot start (no such tool, not root, no package).
 */
import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { promises as fs, existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { BIN, ROOT } from '../helpers/cli.js';
import { cohortFolder, TEMPLATE } from '../helpers/cohort.js';
import { expectEveryResultOnce } from '../helpers/cohort-check.js';

const TOOL = path.resolve(ROOT, '..', 'shared', 'tools', 'slurm-local.sh');
const SCRIPT = path.join(ROOT, 'docs', 'cohort', 'slurm-array.sh');

let tmp: string;
let scans: string;
let ids: string[];
let whyNot: string | undefined;
let started = false;

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'lw-cohort-slurm-'));
  scans = path.join(tmp, 'scans');
  ids = await cohortFolder(scans, 20);
  if (!existsSync(TOOL)) whyNot = `${TOOL} is missing`;
  else if (process.getuid?.() !== 0) whyNot = 'slurm-local.sh needs root';
  else {
    const r = spawnSync('bash', [TOOL, 'start'], { encoding: 'utf8', timeout: 240_000 });
    if (r.status === 0) started = true;
    else whyNot = `slurm-local.sh start failed: ${(r.stderr || r.stdout || String(r.error)).trim().split('\n').at(-1)}`;
  }
}, 300_000);

afterAll(() => {
  if (started) spawnSync('bash', [TOOL, 'stop'], { timeout: 60_000 });
});

describe('cohort run as a Slurm job array', () => {
  it('docs/cohort/slurm-array.sh with sbatch --array: every result once, summary lists 20', async (ctx) => {
    if (whyNot) {
      console.warn(`skipped: Slurm cannot start here (${whyNot})`);
      ctx.skip();
      return;
    }
    const workspace = path.join(tmp, 'ws');
    const env = {
      ...process.env,
      WORKSPACE: workspace,
      SCANS: scans,
      TEMPLATE_IMAGE: TEMPLATE.image,
      TEMPLATE_LABELS: TEMPLATE.labels,
      ENGINE: 'affine',
      LABELWARP: `${process.execPath} ${BIN}`,
      LABELWARP_ARGS: '--option levels=2 --option iterations=40,20',
    };
    const r = spawnSync('sbatch', ['--wait', `--chdir=${tmp}`, `--output=${tmp}/slurm-%A_%a.log`, '--export=ALL', SCRIPT], {
      env,
      encoding: 'utf8',
      timeout: 480_000,
    });
    const logs = (await fs.readdir(tmp)).filter((f) => f.startsWith('slurm-') && f.endsWith('.log'));
    const logText = (await Promise.all(logs.map((f) => fs.readFile(path.join(tmp, f), 'utf8')))).join('\n');
    expect(r.status, `${r.stdout}\n${r.stderr}\n${logText}`).toBe(0);
    // Four array tasks ran, each on its own shard.
    expect(logs).toHaveLength(4);
    expect(logText.match(/: 5 done/g)).toHaveLength(4);
    await expectEveryResultOnce(workspace, ids);
  });
});
