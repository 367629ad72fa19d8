/**
 * The ITK-convention check of a result folder: elastix's transformix applies the folder's
 * displacement field (displacement.nii, read by ITK as a DeformationFieldTransform on the scan's
 * grid) to the template labels with nearest-neighbour interpolation, and the labels it produces
 * are scored against the folder's own label map. A field stored in another convention (RAS signs,
 * the inverse direction, the wrong grid) gives labels far from ours.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readVolume } from '../volume/io.js';
import { diceScores } from '../metrics/overlap.js';
import { gridOf } from '../volume/volume.js';
import type { Grid } from '../volume/volume.js';
import { resultFile } from '../results/result-folder.js';
import { runTool } from './elastix.js';

/** A transformix parameter file reading a displacement field on `grid` (ITK's column order for the direction). */
export function deformationFieldParameters(fieldFile: string, grid: Grid): string {
  const d = grid.direction;
  const lines = [
    '(Transform "DeformationFieldTransform")',
    '(NumberOfParameters 0)',
    `(DeformationFieldFileName "${fieldFile}")`,
    '(DeformationFieldInterpolationOrder 1)',
    '(InitialTransformParametersFileName "NoInitialTransform")',
    '(HowToCombineTransforms "Compose")',
    '(FixedImageDimension 3)',
    '(MovingImageDimension 3)',
    '(FixedInternalImagePixelType "float")',
    '(MovingInternalImagePixelType "float")',
    `(Size ${grid.dims.join(' ')})`,
    '(Index 0 0 0)',
    `(Spacing ${grid.spacing.join(' ')})`,
    `(Origin ${grid.origin.join(' ')})`,
    `(Direction ${[0, 1, 2].flatMap((c) => [d[c], d[3 + c], d[6 + c]]).join(' ')})`,
    '(UseDirectionCosines "true")',
    // Nearest neighbour: B-spline order 0 (elastix 5.0 has no separate final nearest-neighbour interpolator).
    '(ResampleInterpolator "FinalBSplineInterpolator")',
    '(FinalBSplineInterpolationOrder 0)',
    '(Resampler "DefaultResampler")',
    '(DefaultPixelValue 0)',
    '(ResultImageFormat "nii.gz")',
    '(ResultImagePixelType "int")',
  ];
  return lines.join('\n') + '\n';
}

/**
 * Mean Dice (over the labels of our map) between transformix's labels, from the folder's
 * displacement field applied to `templateLabels`, and the folder's labels.nii.gz.
 */
export async function transformixDice(resultDir: string, templateLabels: string, threads = 2): Promise<number> {
  const ours = await readVolume(resultFile(resultDir, 'labels'), 'labels');
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'labelwarp-transformix-'));
  try {
    const parameters = path.join(dir, 'TransformParameters.txt');
    await fs.writeFile(parameters, deformationFieldParameters(path.resolve(resultFile(resultDir, 'displacement')), gridOf(ours)));
    await runTool('transformix', ['-in', templateLabels, '-out', dir, '-tp', parameters, '-threads', String(threads)]);
    const theirs = await readVolume(path.join(dir, 'result.nii.gz'), 'labels');
    const dice = [...diceScores(theirs.data, ours.data).values()].map((d) => d.dice);
    return dice.reduce((a, b) => a + b, 0) / Math.max(1, dice.length);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}
