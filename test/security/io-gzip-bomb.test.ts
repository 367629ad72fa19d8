/**
 * Issue 7, item 6 (reader part): a gzip bomb is refused before it fills memory. The header's
 * claimed size (NIfTI, and NRRD/MetaImage text headers) is checked before any data are decompressed, and decompression stops at what the
 * header claims (plus a small slack). Peak resident memory of a child process reading the bomb is
 * compared with the same process reading a small valid file.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { SHARED } from '../helpers/synthetic.js';
import { ROOT } from '../helpers/cli.js';
import { withFields } from '../helpers/nifti-fields.js';

const run = promisify(execFile);
const PROBE = path.join(ROOT, 'test', 'helpers', 'read-volume-peak.ts');
const GiB = 1024 ** 3;
/** Allowed growth of peak RSS over reading a small valid file. */
const MAX_GROWTH_MiB = 150;

let tmp: string;
let header: Buffer;

async function readPeak(file: string): Promise<{ error?: string; maxRssMiB: number }> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', PROBE, file, 'image'], { cwd: ROOT, maxBuffer: 1 << 20 });
  return JSON.parse(stdout.trim().split('\n').pop() ?? '{}');
}

/** A .nii.gz of ~1.1 MB: a gzip member with `head`, then members of zeros that add up to `zeros` bytes. */
async function bomb(name: string, head: Buffer, zeros: number): Promise<string> {
  const block = gzipSync(Buffer.alloc(16 * 1024 * 1024));
  const parts = [gzipSync(head)];
  for (let n = 0; n < zeros; n += 16 * 1024 * 1024) parts.push(block);
  const file = path.join(tmp, name);
  await fs.writeFile(file, Buffer.concat(parts));
  return file;
}

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'lw-io-bomb-'));
  const raw = gunzipSync(await fs.readFile(path.join(SHARED, 'hippocampus', 'hippocampus_001_image.nii.gz')));
  header = raw.subarray(0, 352);
});

describe('gzip bombs', () => {
  let baseline: number;
  beforeAll(async () => {
    const ok = await readPeak(path.join(SHARED, 'hippocampus', 'hippocampus_001_image.nii.gz'));
    expect(ok.error).toBeUndefined();
    baseline = ok.maxRssMiB;
  });

  it('a header claiming 35×51×35 voxels followed by 1 GiB of zeros is refused at the claimed size', async () => {
    const file = await bomb('bomb-small-claim.nii.gz', header, GiB);
    expect((await fs.stat(file)).size).toBeLessThan(1.2e6);
    const r = await readPeak(file);
    console.log(`bomb (small claim, 1 GiB inside): peak RSS ${r.maxRssMiB.toFixed(0)} MiB vs ${baseline.toFixed(0)} MiB for a valid scan`);
    expect(r.error).toBe(`${file}: decompresses to more than the 62827 bytes its header describes (refused before reading further)`);
    expect(r.maxRssMiB - baseline).toBeLessThan(MAX_GROWTH_MiB);
  });

  it('a header claiming 2000³ voxels is refused before anything is decompressed', async () => {
    const file = await bomb('bomb-huge-claim.nii.gz', withFields(header, { dim1: 2000, dim2: 2000, dim3: 2000 }), GiB);
    const r = await readPeak(file);
    console.log(`bomb (2000³ claim, 1 GiB inside): peak RSS ${r.maxRssMiB.toFixed(0)} MiB vs ${baseline.toFixed(0)} MiB for a valid scan`);
    expect(r.error).toBe(`${file}: is too large (2000×2000×2000); at most ${512 ** 3} voxels are supported`);
    expect(r.maxRssMiB - baseline).toBeLessThan(MAX_GROWTH_MiB);
  });

  it('an NRRD header claiming 1200³ voxels is refused before ITK allocates them', async () => {
    const file = path.join(tmp, 'huge-claim.nrrd');
    const head = 'NRRD0004\ntype: uchar\ndimension: 3\nsizes: 1200 1200 1200\nencoding: gzip\n\n';
    await fs.writeFile(file, Buffer.concat([Buffer.from(head), gzipSync(Buffer.alloc(1 << 20))]));
    const r = await readPeak(file);
    console.log(`NRRD (1200³ claim): peak RSS ${r.maxRssMiB.toFixed(0)} MiB vs ${baseline.toFixed(0)} MiB for a valid scan`);
    expect(r.error).toBe(`${file}: is too large (1200×1200×1200); at most ${512 ** 3} voxels are supported`);
    expect(r.maxRssMiB - baseline).toBeLessThan(MAX_GROWTH_MiB);
  });

  it('the voxel and byte limits are configurable', async () => {
    const file = path.join(SHARED, 'hippocampus', 'hippocampus_001_image.nii.gz');
    const env = { ...process.env, LABELWARP_MAX_VOXELS: '1000' };
    const { stdout } = await run(process.execPath, ['--import', 'tsx', PROBE, file, 'image'], { cwd: ROOT, env });
    expect(JSON.parse(stdout).error).toBe(`${file}: is too large (35×51×35); at most 1000 voxels are supported`);
    const env2 = { ...process.env, LABELWARP_MAX_BYTES: '1000' };
    const r2 = await run(process.execPath, ['--import', 'tsx', PROBE, file, 'image'], { cwd: ROOT, env: env2 });
    expect(JSON.parse(r2.stdout).error).toBe(
      `${file}: is too large (35×51×35, 62475 bytes of voxel data); at most 1000 bytes are supported`,
    );
  });
});
