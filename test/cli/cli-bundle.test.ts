import { describe, expect, it, afterAll } from 'vitest';
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { ROOT } from '../helpers/cli.js';
import { hippocampusFiles, segmentArgs } from '../helpers/segment-cli.js';

const run = promisify(execFile);
// Two levels below the root, as dist/cli/ is (and apart from it: other tests run bin/labelwarp.mjs meanwhile).
const OUT = path.join('dist', `cli-test-${process.pid}`);

afterAll(async () => {
  await fs.rm(path.join(ROOT, OUT), { recursive: true, force: true });
});

describe('the command-line bundle (dist/cli, what `npm run build` makes)', () => {
  it('finds the bundled models from its own location; affine records that it needed no tensor backend', async () => {
    await run(process.execPath, ['scripts/build-cli.mjs'], { cwd: ROOT, env: { ...process.env, LABELWARP_CLI_OUT: OUT } });
    const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'lw-bundle-'));
    const segment = async (engine: string) => {
      const out = path.join(tmp, engine);
      const args = [...segmentArgs(hippocampusFiles('001', '003')), '--engine', engine, '--out', out, '--quiet'];
      const script = `const { main } = await import(${JSON.stringify(path.join(ROOT, OUT, 'labelwarp.mjs'))}); process.exitCode = await main(${JSON.stringify(args)});`;
      await run(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, env: { ...process.env, LABELWARP_RESOURCES: '' } });
      return JSON.parse(await fs.readFile(path.join(out, 'metrics.json'), 'utf8'));
    };
    // The default student model lies in resources/models, found from the bundle's own location.
    const student = await segment('student');
    expect(student.meanDice).toBeGreaterThan(0.5);
    expect(student.backend).toMatch(/cpu|tensorflow/);
    const affine = await segment('affine');
    expect(affine.backend).toBe('none needed (typed-array kernels on the CPU)');
    await fs.rm(tmp, { recursive: true, force: true });
  }, 120_000);
});
