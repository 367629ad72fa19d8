/**
 * Probes (issue 7, item 3): no file disclosure through the browser-mode API. Error texts never
 * quote a file; reads and writes stay inside the allowed folders (symbolic links included); a path
 * outside them gets the same answer whether or not it exists.
 */
import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { promises as fs, readFileSync } from 'node:fs';
import path from 'node:path';
import { RESOURCES, startTestServer } from '../helpers/test-server.js';
import type { TestServer } from '../helpers/test-server.js';
import { connect } from './server-harness.js';
import type { Client } from './server-harness.js';

const SAMPLE = path.join(RESOURCES, 'sample', 'ixi');
const SECRET = 'secret-token-5f1d9c';

let running: TestServer;
let client: Client;
let allowed: string;
let outside: string;

beforeAll(async () => {
  running = await startTestServer({
    prepare: async (dir, stateDir) => {
      allowed = path.join(dir, 'allowed');
      outside = path.join(dir, 'outside');
      await fs.mkdir(allowed);
      await fs.mkdir(outside);
      // A finished result from an earlier session, to export.
      const resultDir = path.join(stateDir, 'results', 'scan-old', 'job-old');
      await fs.mkdir(resultDir, { recursive: true });
      await fs.writeFile(path.join(resultDir, 'metrics.json'), '{"engine":"affine"}');
      const result = { jobId: 'job-old', engine: 'affine', templateId: 'sample-ixi012', seconds: 1, warnings: [], folder: resultDir };
      const scan = {
        id: 'scan-old',
        name: 'old',
        image: path.join(allowed, 'old.nii.gz'),
        info: { dims: [1, 1, 1], spacing: [1, 1, 1] },
        status: 'done',
        result,
      };
      await fs.writeFile(path.join(stateDir, 'state.json'), JSON.stringify({ templates: [], scans: [scan] }));
    },
    roots: (dir) => [
      [path.join(dir, 'allowed'), true],
      [RESOURCES, false],
    ],
  });
  client = await connect(running.server.port, running.server.token);
});

afterAll(async () => {
  client?.close();
  await running?.close();
});

const importWithNames = (names: string) =>
  client.ask('templates.import', {
    image: path.join(SAMPLE, 'IXI012_t1.nii.gz'),
    labels: path.join(SAMPLE, 'IXI012_labels.nii.gz'),
    names,
  });

describe('browser mode discloses no files', () => {
  it('templates.import with /etc/passwd as the label-name table quotes none of it', async () => {
    const r = await importWithNames('/etc/passwd');
    expect(r.ok).toBe(false);
    for (const line of readFileSync('/etc/passwd', 'utf8').split('\n').filter(Boolean)) expect(r.error).not.toContain(line.slice(0, 12));
    expect(r.error).not.toMatch(/root:/);
  });

  it('a non-table inside an allowed folder is refused by line number, not content', async () => {
    const file = path.join(allowed, 'names.txt');
    await fs.writeFile(file, `root:x:0:0:${SECRET}:/root:/bin/bash\n`);
    const r = await importWithNames(file);
    expect(r.ok).toBe(false);
    expect(r.error).toMatch(/line 1/);
    expect(r.error).not.toContain(SECRET);
    expect(r.error).not.toContain('root:x');
  });

  it('scans.add answers alike for a missing file and an existing one outside the allowed folders', async () => {
    await fs.writeFile(path.join(outside, 'exists.nii.gz'), 'x');
    const pairs: [string, string][] = [
      ['/etc/hostname', '/etc/no-such-file-lw'],
      [path.join(outside, 'exists.nii.gz'), path.join(outside, 'missing.nii.gz')],
      [outside, path.join(outside, 'no-such-folder')],
    ];
    for (const [existing, missing] of pairs) {
      const a = await client.ask('scans.add', { paths: [existing] });
      const b = await client.ask('scans.add', { paths: [missing] });
      const errors = (r: typeof a, p: string) => (r.result as { errors: string[] }).errors.map((e) => e.replaceAll(p, 'PATH'));
      expect(errors(a, existing), existing).toEqual(errors(b, missing));
      expect(errors(a, existing)).toHaveLength(1);
    }
  });

  it('reads nothing outside the allowed folders, not through a symbolic link either', async () => {
    await fs.copyFile(path.join(SAMPLE, 'IXI012_t1.nii.gz'), path.join(outside, 'scan_t1.nii.gz'));
    await fs.symlink(path.join(outside, 'scan_t1.nii.gz'), path.join(allowed, 'link_t1.nii.gz'));
    await fs.symlink(outside, path.join(allowed, 'linked-folder'));
    for (const p of [path.join(outside, 'scan_t1.nii.gz'), path.join(allowed, 'link_t1.nii.gz'), path.join(allowed, 'linked-folder')]) {
      const r = await client.ask('scans.add', { paths: [p] });
      expect(r.ok).toBe(true);
      expect((r.result as { added: unknown[] }).added, p).toHaveLength(0);
      expect((r.result as { errors: string[] }).errors[0], p).toMatch(/outside the folders/);
    }
    const folder = await client.ask('scans.addFolder', { folder: outside });
    expect(folder.ok).toBe(false);
    const ref = await client.ask('scans.setReference', { scanId: 'scan-old', labels: path.join(outside, 'scan_t1.nii.gz') });
    expect(ref.ok).toBe(false);
    expect(ref.error).toMatch(/outside the folders/);
  });

  it('results.export writes only inside the allowed folders', async () => {
    const target = path.join(outside, 'export');
    const r = await client.ask('results.export', { scanId: 'scan-old', folder: target });
    expect(r.ok).toBe(false);
    expect(r.error).toMatch(/outside the folders LabelWarp may write/);
    await expect(fs.stat(target)).rejects.toThrow();
    // Not through a link inside an allowed folder either, nor into the read-only resources.
    const viaLink = await client.ask('results.export', { scanId: 'scan-old', folder: path.join(allowed, 'linked-folder', 'export') });
    expect(viaLink.ok).toBe(false);
    await expect(fs.stat(path.join(outside, 'export'))).rejects.toThrow();
    const intoResources = await client.ask('results.export', { scanId: 'scan-old', folder: path.join(RESOURCES, 'export-probe') });
    expect(intoResources.ok).toBe(false);
    // Inside: written.
    const ok = await client.ask('results.export', { scanId: 'scan-old', folder: path.join(allowed, 'export') });
    expect(ok.ok, ok.error).toBe(true);
    expect(await fs.readdir(path.join(allowed, 'export'))).toEqual(['metrics.json']);
  });
});
