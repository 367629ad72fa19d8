/**
 * Issue 7, item 13: files reached through symbolic links (absolute or relative, as in DataLad and
 * git-annex datasets) are read like their targets, by the core reader and the command line.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readVolume } from '../../core/volume/io.js';
import { labelSet, listScans, preparePair } from '../../core/learned/dataset.js';
import { SHARED } from '../helpers/synthetic.js';
import { segmentWithCli } from '../helpers/segment-cli.js';

const HIPPO = path.join(SHARED, 'hippocampus');
let tmp: string;
/** dataset/ holds links; annex/ holds the files (relative links point there, as git-annex does). */
let links: Record<string, string>;

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'lw-io-link-'));
  await fs.mkdir(path.join(tmp, 'annex'));
  await fs.mkdir(path.join(tmp, 'dataset'));
  links = {};
  for (const name of ['hippocampus_001_image', 'hippocampus_001_labels', 'hippocampus_003_image', 'hippocampus_003_labels']) {
    const target = path.join(tmp, 'annex', `${name}.nii.gz`);
    await fs.copyFile(path.join(HIPPO, `${name}.nii.gz`), target);
    const abs = path.join(tmp, 'dataset', `${name}-abs.nii.gz`);
    const rel = path.join(tmp, 'dataset', `${name}-rel.nii.gz`);
    await fs.symlink(target, abs);
    await fs.symlink(path.join('..', 'annex', `${name}.nii.gz`), rel);
    links[`${name}-abs`] = abs;
    links[`${name}-rel`] = rel;
  }
});

describe('symbolic links', () => {
  for (const kind of ['abs', 'rel'] as const) {
    it(`a scan and its labels read through ${kind === 'abs' ? 'an absolute' : 'a relative'} link equal their targets`, async () => {
      const direct = await readVolume(path.join(HIPPO, 'hippocampus_003_image.nii.gz'), 'image');
      const linked = await readVolume(links[`hippocampus_003_image-${kind}`], 'image');
      expect(linked.dims).toEqual(direct.dims);
      expect(linked.origin).toEqual(direct.origin);
      expect(Buffer.from(linked.data.buffer).equals(Buffer.from(direct.data.buffer))).toBe(true);
      const labels = await readVolume(links[`hippocampus_003_labels-${kind}`], 'labels');
      expect(labels.data.length).toBe(direct.data.length);
    });
  }

  it('teach/train read their scan folder through links (git-annex layout)', async () => {
    const annexed = path.join(tmp, 'annexed');
    await fs.mkdir(annexed);
    for (const name of ['hippocampus_003_image', 'hippocampus_003_labels']) {
      await fs.symlink(path.join('..', 'annex', `${name}.nii.gz`), path.join(annexed, `${name}.nii.gz`));
    }
    const scans = await listScans(annexed, annexed);
    expect(scans.map((s) => s.id)).toEqual(['hippocampus_003']);
    const templateImage = await readVolume(links['hippocampus_001_image-rel'], 'image');
    const templateLabels = await readVolume(links['hippocampus_001_labels-abs'], 'labels');
    const pair = await preparePair(templateImage, templateLabels, scans[0], labelSet(templateLabels.data));
    expect(pair.fixedLabels?.length).toBe(pair.fixedImage.length);
  });

  it('labelwarp segment reads template, scan and reference labels through links', async () => {
    const r = await segmentWithCli(
      {
        templateImage: links['hippocampus_001_image-rel'],
        templateLabels: links['hippocampus_001_labels-abs'],
        scan: links['hippocampus_003_image-abs'],
        scanLabels: links['hippocampus_003_labels-rel'],
      },
      path.join(tmp, 'out'),
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.metrics?.meanDice).toBeGreaterThan(0.5);
  });
});
