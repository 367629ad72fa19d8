import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { assessQuality, QUALITY_THRESHOLDS } from '../../core/quality/quality.js';
import { checkLabelMap, summariseLabelMap } from '../../core/quality/label-map-check.js';
import { readVolume } from '../../core/volume/io.js';
import { SHARED } from '../helpers/synthetic.js';

describe('the quality light', () => {
  it('is green for a good deformable run (the measures of gn on IXI012 → IXI014)', () => {
    const q = assessQuality({
      details: { 'affine.ncc': 0.874 },
      nonPositiveJacobianPercent: 0.023,
      sdLogJacobian: 0.418,
      labelVolumeRatio: 0.97,
      meanDice: 0.646,
      warnings: [],
      deformable: true,
    });
    expect(q.light).toBe('green');
    expect(q.measures.map((m) => m.light)).toEqual(['green', 'green', 'green', 'green', 'green']);
    expect(q.summary).toBe('all quality measures within range');
  });

  it('is red for the hippocampus template on a whole brain, in plain words', () => {
    const q = assessQuality({
      details: { 'affine.ncc': 0.135 },
      nonPositiveJacobianPercent: 4.2,
      sdLogJacobian: 0.5,
      meanDice: 0,
      warnings: ['poor pre-alignment: normalised cross-correlation after the affine step is only 0.135'],
      deformable: true,
    });
    expect(q.light).toBe('red');
    expect(q.summary).toMatch(/hardly match/);
    expect(q.measures.find((m) => m.key === 'foldingPercent')).toMatchObject({ light: 'red', shown: '4.2 %' });
    expect(q.warnings).toHaveLength(1);
  });

  it('is amber for a warning alone, and judges each threshold at its boundary', () => {
    expect(assessQuality({ warnings: ['something odd'] }).light).toBe('amber');
    expect(assessQuality({ warnings: ['something odd'] }).summary).toBe('warning: something odd');
    const T = QUALITY_THRESHOLDS;
    expect(assessQuality({ details: { ncc: T.nccAfterAlignment.red - 0.01 } }).light).toBe('red');
    expect(assessQuality({ details: { ncc: T.nccAfterAlignment.amber - 0.01 } }).light).toBe('amber');
    expect(assessQuality({ nonPositiveJacobianPercent: T.foldingPercent.red + 0.1 }).light).toBe('red');
    expect(assessQuality({ sdLogJacobian: T.sdLogJacobian.amber + 0.01 }).light).toBe('amber');
    expect(assessQuality({ labelVolumeRatio: 1 / (T.labelVolumeFactor.red + 0.1) }).light).toBe('red');
    expect(assessQuality({ labelVolumeRatio: 1.6 }).light).toBe('amber');
    expect(assessQuality({ meanDice: 0.1 }).light).toBe('red');
    expect(assessQuality({ nonPositiveJacobianPercent: NaN }).light).toBe('red');
  });

  it('does not judge folding and smoothness of affine results', () => {
    const q = assessQuality({ details: { ncc: 0.9 }, nonPositiveJacobianPercent: 0, sdLogJacobian: 0, deformable: false });
    expect(q.measures.map((m) => m.key)).toEqual(['nccAfterAlignment']);
  });
});

describe('label-map plausibility', () => {
  it('refuses an MRI read as a label map (hippocampus_001: 124 "labels"), in plain words', async () => {
    const image = path.join(SHARED, 'hippocampus', 'hippocampus_001_image.nii.gz');
    const v = await readVolume(image, 'labels');
    expect(summariseLabelMap(v).labels.length).toBe(124);
    expect(() => checkLabelMap(v, image)).toThrow(
      /hippocampus_001_image\.nii\.gz: looks like an intensity image, not a label map: 124 distinct values/,
    );
  });

  it('accepts real label maps (DLMUSE, hippocampus)', async () => {
    for (const f of [
      path.join(SHARED, 'ixi-brain', 'IXI014_labels.nii.gz'),
      path.join(SHARED, 'hippocampus', 'hippocampus_001_labels.nii.gz'),
    ])
      expect(checkLabelMap(await readVolume(f, 'labels'), f).labels.length).toBeGreaterThan(1);
  });

  it('refuses empty maps and implausibly many labels', () => {
    expect(() => checkLabelMap({ dims: [2, 2, 1], data: new Int32Array(4) }, 'e.nii')).toThrow(/holds no labels/);
    const many = new Int32Array(4000);
    for (let i = 0; i < many.length; i++) many[i] = 1 + Math.floor(i / 2);
    expect(() => checkLabelMap({ dims: [4000, 1, 1], data: many }, 'm.nii')).toThrow(/2000 distinct labels/);
  });
});
