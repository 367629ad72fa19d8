import { afterEach, describe, expect, it } from 'vitest';
import path from 'node:path';
import { checkMemory, memoryLimit } from '../../core/engines/memory.js';
import { getEngineDefinition, engineOptions } from '../../core/engines/index.js';
import { segmentScan } from '../../core/pipeline/segment.js';
import { readVolume } from '../../core/volume/io.js';
import { grid, SHARED } from '../helpers/synthetic.js';

const saved = process.env.LABELWARP_MAX_MEMORY;
afterEach(() => {
  if (saved === undefined) delete process.env.LABELWARP_MAX_MEMORY;
  else process.env.LABELWARP_MAX_MEMORY = saved;
});

describe('memory estimate before a run', () => {
  it('reads the limit from LABELWARP_MAX_MEMORY or the machine', () => {
    delete process.env.LABELWARP_MAX_MEMORY;
    expect(memoryLimit().source).toBe("this machine's memory");
    process.env.LABELWARP_MAX_MEMORY = '1.5G';
    expect(memoryLimit()).toEqual({ bytes: 1.5 * 2 ** 30, source: 'LABELWARP_MAX_MEMORY' });
    process.env.LABELWARP_MAX_MEMORY = '512MiB';
    expect(memoryLimit().bytes).toBe(512 * 2 ** 20);
    process.env.LABELWARP_MAX_MEMORY = 'lots';
    expect(() => memoryLimit()).toThrow(/LABELWARP_MAX_MEMORY must be bytes/);
  });

  it('grows with the grid: gn on a 512³ scan (measured: 10.9 GB resident) is refused on an 8 GiB machine, not on a 16 GiB one', () => {
    const gn = getEngineDefinition('gn');
    const options = engineOptions(gn, {});
    const big = { fixed: grid([512, 512, 512]), moving: grid([256, 256, 160]) };
    const brain = { fixed: grid([256, 256, 160]), moving: grid([256, 256, 160]) };
    expect(gn.estimateMemory(big, options)).toBeGreaterThan(6 * gn.estimateMemory(brain, options));
    process.env.LABELWARP_MAX_MEMORY = '8G';
    const callerBig = 88 * 512 ** 3;
    expect(() => checkMemory(gn, options, big, callerBig)).toThrow(
      /^engine "gn" would need about \d+\.\d GiB for a 512×512×512 scan, more than LABELWARP_MAX_MEMORY \(8\.0 GiB\); use a smaller or downsampled scan$/,
    );
    expect(() => checkMemory(gn, options, brain, 88 * 256 * 256 * 160)).not.toThrow();
    process.env.LABELWARP_MAX_MEMORY = '16G';
    expect(() => checkMemory(gn, options, big, callerBig)).not.toThrow();
    const affine = getEngineDefinition('affine');
    expect(affine.estimateMemory(big, engineOptions(affine, {}))).toBeLessThan(gn.estimateMemory(big, options));
  });

  it('segment refuses with one line before registering when the run exceeds the limit', async () => {
    const H = (id: string, w: 'image' | 'labels') => path.join(SHARED, 'hippocampus', `hippocampus_${id}_${w}.nii.gz`);
    const input = {
      templateImage: await readVolume(H('001', 'image')),
      templateLabels: await readVolume(H('001', 'labels'), 'labels'),
      scan: await readVolume(H('003', 'image')),
    };
    process.env.LABELWARP_MAX_MEMORY = '64M';
    const stages: string[] = [];
    const err = await segmentScan(input, { engine: 'gn', onProgress: (p) => stages.push(p.stage) }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(
      /^engine "gn" would need about 0\.\d GiB for a \d+×\d+×\d+ scan, more than LABELWARP_MAX_MEMORY \(0\.1 GiB\)/,
    );
    expect((err as Error).message).not.toContain('\n');
    expect(stages).toEqual([]); // refused before any work
    process.env.LABELWARP_MAX_MEMORY = '64G';
    expect((await segmentScan(input, { engine: 'affine' })).metrics.engine).toBe('affine');
  });
});
