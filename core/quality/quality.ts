/**
 * The quality light of a result: green, amber or red from the result's own measures, with each
 * measure in plain words. The thresholds sit here and nowhere else (docs/quality.md explains them).
 * A red light means the run is implausible: the labels should not be trusted without a look.
 */
import { POOR_NCC } from '../engines/affine/step.js';

export type Light = 'green' | 'amber' | 'red';

/** Amber from `amber`, red from `red`; `higherIsBetter` turns the comparison round. */
interface Threshold {
  amber: number;
  red: number;
  higherIsBetter?: boolean;
}

/**
 * - nccAfterAlignment: normalised cross-correlation of scan and template after the affine step. Below
 *   0.15 the images barely overlap or do not show the same anatomy (the engines warn there too).
 *   Same-modality brain pairs reach 0.8–0.9, but small crops much less: 40 good hippocampus results
 *   of gn (Dice 0.72–0.85) had 0.18–0.48, a quarter of them below 0.3. It cannot tell a brain
 *   template on a hippocampus crop (0.36–0.55) from the right one: the label volume ratio does.
 * - foldingPercent: % of voxels with det J ≤ 0 (the map folds: not a one-to-one deformation).
 *   Fold-aware Gauss-Newton keeps it near 0.02 % on the IXI brains.
 * - sdLogJacobian: spread of log det J over the voxels with det J > 0, the roughness of the volume
 *   change; 0.4 on the IXI brains (2 mm, between subjects); above 0.8 volumes are changed by factors
 *   of 2 or more throughout.
 * - labelVolumeRatio: total labelled volume on the scan over that in the template. Head sizes differ
 *   by about ±25 % between adults; a ratio outside 0.5–2 says the labels were squeezed or blown up.
 * - meanDice (only with reference labels): overlap with the scan's own labels; below 0.3 the
 *   transfer failed whatever the other measures say.
 */
export const QUALITY_THRESHOLDS = {
  nccAfterAlignment: { amber: 0.25, red: POOR_NCC, higherIsBetter: true },
  foldingPercent: { amber: 0.5, red: 2 },
  sdLogJacobian: { amber: 0.6, red: 0.8 },
  /** Applied to max(ratio, 1 / ratio). */
  labelVolumeFactor: { amber: 1.5, red: 2 },
  meanDice: { amber: 0.5, red: 0.3, higherIsBetter: true },
} as const satisfies Record<string, Threshold>;

/** What a result folder's metrics.json holds that the light reads (all optional: older results lack some). */
export interface QualityInput {
  nonPositiveJacobianPercent?: number;
  sdLogJacobian?: number;
  labelVolumeRatio?: number;
  meanDice?: number;
  warnings?: string[];
  details?: Record<string, number | string>;
  /** Whether the engine deforms (affine results have no folding or volume change to judge). */
  deformable?: boolean;
}

export interface QualityMeasure {
  key: keyof typeof QUALITY_THRESHOLDS;
  label: string;
  value: number;
  /** The value for people, with its unit. */
  shown: string;
  light: Light;
  /** Plain words: what the value means here. */
  says: string;
}

export interface Quality {
  light: Light;
  /** One line for the scan list: the worst problem, or that all measures are within range. */
  summary: string;
  measures: QualityMeasure[];
  /** The run's warnings, as they were written. */
  warnings: string[];
}

function judge(value: number, t: Threshold): Light {
  if (!Number.isFinite(value)) return 'red';
  if (t.higherIsBetter) return value < t.red ? 'red' : value < t.amber ? 'amber' : 'green';
  return value > t.red ? 'red' : value > t.amber ? 'amber' : 'green';
}

const RANK: Record<Light, number> = { green: 0, amber: 1, red: 2 };
const worst = (a: Light, b: Light): Light => (RANK[b] > RANK[a] ? b : a);

/** The NCC after the affine step: the `affine` engine's own, or the pre-alignment of a composed engine. */
export function alignmentNcc(details: Record<string, number | string> | undefined): number | undefined {
  const v = details?.['affine.ncc'] ?? details?.ncc;
  return typeof v === 'number' ? v : undefined;
}

export function assessQuality(m: QualityInput): Quality {
  const T = QUALITY_THRESHOLDS;
  const measures: QualityMeasure[] = [];
  const ncc = alignmentNcc(m.details);
  if (ncc !== undefined) {
    const light = judge(ncc, T.nccAfterAlignment);
    measures.push({
      key: 'nccAfterAlignment',
      label: 'Alignment (NCC after the affine step)',
      value: ncc,
      shown: ncc.toFixed(2),
      light,
      says:
        light === 'red'
          ? 'the scan and the template hardly match: different anatomy or field of view?'
          : light === 'amber'
            ? 'the images match only loosely'
            : 'the images match well',
    });
  }
  if (m.deformable !== false && m.nonPositiveJacobianPercent !== undefined) {
    const v = m.nonPositiveJacobianPercent;
    const light = judge(v, T.foldingPercent);
    measures.push({
      key: 'foldingPercent',
      label: 'Folding (det J ≤ 0)',
      value: v,
      shown: `${v < 0.1 ? v.toFixed(3) : v.toFixed(1)} %`,
      light,
      says: light === 'green' ? 'the deformation barely folds' : 'the deformation folds over itself in places: labels there are unreliable',
    });
  }
  if (m.deformable !== false && m.sdLogJacobian !== undefined) {
    const v = m.sdLogJacobian;
    const light = judge(v, T.sdLogJacobian);
    measures.push({
      key: 'sdLogJacobian',
      label: 'Smoothness (SD of log det J)',
      value: v,
      shown: v.toFixed(2),
      light,
      says: light === 'green' ? 'volume changes are moderate' : 'volumes are stretched and squeezed strongly: an irregular deformation',
    });
  }
  if (m.labelVolumeRatio !== undefined) {
    const v = m.labelVolumeRatio;
    const factor = v > 0 ? Math.max(v, 1 / v) : Infinity;
    const light = judge(factor, T.labelVolumeFactor);
    measures.push({
      key: 'labelVolumeFactor',
      label: 'Labelled volume (scan / template)',
      value: v,
      shown: `${v.toFixed(2)}×`,
      light,
      says:
        light === 'green'
          ? 'the labels kept a plausible size'
          : v < 1
            ? 'the labels shrank far more than heads differ'
            : 'the labels grew far more than heads differ',
    });
  }
  if (m.meanDice !== undefined) {
    const v = m.meanDice;
    const light = judge(v, T.meanDice);
    measures.push({
      key: 'meanDice',
      label: 'Mean Dice with the reference labels',
      value: v,
      shown: v.toFixed(3),
      light,
      says:
        light === 'red'
          ? 'the labels hardly overlap the reference'
          : light === 'amber'
            ? 'the labels overlap the reference only partly'
            : 'the labels overlap the reference well',
    });
  }
  const warnings = m.warnings ?? [];
  let light: Light = warnings.length ? 'amber' : 'green';
  for (const x of measures) light = worst(light, x.light);
  const bad = measures.filter((x) => x.light === light && light !== 'green');
  const summary =
    light === 'green'
      ? 'all quality measures within range'
      : bad.length
        ? `${bad[0].label.replace(/ \(.*\)$/, '')}: ${bad[0].says}`
        : `warning: ${warnings[0]}`;
  return { light, summary, measures, warnings };
}
