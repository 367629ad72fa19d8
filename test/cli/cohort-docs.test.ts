/**
 * The worked example of docs/cohort.md, checked statically (no Docker daemon and no Kubernetes
 * here): the manifest parses and is an indexed Job whose size matches its --shard, the Slurm
 * script's and the manifest's commands use only flags `cohort run` has (and all it requires),
 * and the Dockerfile copies what exists and runs the command line. The Slurm script itself runs
 * for real in cohort-slurm.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { promises as fs, existsSync } from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';
import { ROOT } from '../helpers/cli.js';
import { COHORT_RUN_FLAGS } from '../../core/cli/cohort-command.js';

interface IndexedJob {
  apiVersion: string;
  kind: string;
  spec: {
    completionMode: string;
    completions: number;
    parallelism: number;
    template: {
      spec: {
        containers: { command: string[]; volumeMounts: { mountPath: string }[] }[];
        volumes: { persistentVolumeClaim: { claimName: string } }[];
      };
    };
  };
}

const DOCS = path.join(ROOT, 'docs', 'cohort');
const REQUIRED = ['workspace', 'template-image', 'template-labels', 'scans', 'engine', 'shard'];

/** The `--flags` of the `cohort run` command in a script (comment lines left out). */
function cohortFlags(script: string): string[] {
  const text = script
    .split('\n')
    .filter((l) => !/^\s*#/.test(l))
    .join('\n');
  const at = text.indexOf('cohort run');
  expect(at).toBeGreaterThan(-1);
  return [...text.slice(at).matchAll(/(?:^|\s)--([a-z][a-z-]*)/g)].map((m) => m[1]);
}

describe('docs/cohort example', () => {
  it('Kubernetes: an indexed Job of N pods, each --shard $JOB_COMPLETION_INDEX/N, known flags', async () => {
    const docs = yaml.loadAll(await fs.readFile(path.join(DOCS, 'k8s-indexed-job.yaml'), 'utf8')) as IndexedJob[];
    expect(docs).toHaveLength(1);
    const job = docs[0];
    expect(job.apiVersion).toBe('batch/v1');
    expect(job.kind).toBe('Job');
    expect(job.spec.completionMode).toBe('Indexed');
    const container = job.spec.template.spec.containers[0];
    const command = (container.command as string[]).join(' ');
    const shard = /--shard "?\$JOB_COMPLETION_INDEX\/(\d+)"?/.exec(command);
    expect(shard).not.toBeNull();
    expect(job.spec.completions).toBe(Number(shard![1]));
    expect(job.spec.parallelism).toBeLessThanOrEqual(job.spec.completions);
    const flags = cohortFlags(command);
    for (const f of flags) expect(Object.keys(COHORT_RUN_FLAGS), f).toContain(f);
    for (const f of REQUIRED) expect(flags).toContain(f);
    // Every path the command names lies on the mounted volume.
    const mount = container.volumeMounts[0].mountPath as string;
    for (const p of command.match(/\s(\/\S+)/g) ?? []) expect(p.trim().startsWith(mount)).toBe(true);
    expect(job.spec.template.spec.volumes[0].persistentVolumeClaim.claimName).toBeTruthy();
  });

  it('Slurm: the array size matches the shard count and the command uses known flags', async () => {
    const text = await fs.readFile(path.join(DOCS, 'slurm-array.sh'), 'utf8');
    const array = /^#SBATCH --array=0-(\d+)$/m.exec(text);
    expect(array).not.toBeNull();
    expect(text).toMatch(new RegExp(`SLURM_ARRAY_TASK_COUNT:-${Number(array![1]) + 1}\\}`));
    expect(text).toMatch(/--shard "\$SLURM_ARRAY_TASK_ID\/\$N"/);
    const flags = cohortFlags(text);
    for (const f of flags) expect(Object.keys(COHORT_RUN_FLAGS), f).toContain(f);
    for (const f of REQUIRED) expect(flags).toContain(f);
  });

  it('Dockerfile: copies files that exist and runs the command line', async () => {
    const text = await fs.readFile(path.join(DOCS, 'Dockerfile'), 'utf8');
    expect(text).toMatch(/^FROM node:20/m);
    for (const m of text.matchAll(/^COPY (.+) \S+$/gm))
      for (const src of m[1].split(/\s+/)) expect(existsSync(path.join(ROOT, src)), src).toBe(true);
    expect(text).toMatch(/ln -s \/opt\/labelwarp\/bin\/labelwarp\.mjs \/usr\/local\/bin\/labelwarp/);
    expect(text).toMatch(/^ENTRYPOINT \["labelwarp"\]$/m);
    expect(text).toMatch(/ELECTRON_SKIP_BINARY_DOWNLOAD=1/);
    // The docs page shows the three files.
    const page = await fs.readFile(path.join(ROOT, 'docs', 'cohort.md'), 'utf8');
    for (const f of ['Dockerfile', 'slurm-array.sh', 'k8s-indexed-job.yaml']) expect(page).toContain(`cohort/${f}`);
  });
});
