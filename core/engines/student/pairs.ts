/**
 * Training and validation pairs of the student, on the network grid: the template after the
 * student's own pre-alignment (the affine step the engine composes in front of the network, with
 * the same settings) and the scan, normalised; what the teacher's whole mapping adds to that
 * affine (in network-grid voxels); and label maps for scoring and the cycle's anatomy term.
 */
import { readVolume } from '../../volume/io.js';
import { gridOf, invert4 } from '../../volume/volume.js';
import type { Grid, Vec3, Volume } from '../../volume/volume.js';
import { resampleToGrid, sampleAtCoordinates, sourceIndexCoordinatesAffine } from '../../kernels/resample.js';
import { warpTrilinear } from '../../kernels/warp.js';
import { AffineTransform, CompositeTransform, DisplacementFieldTransform, displacementOnGrid } from '../../registration/transform.js';
import { labelSet } from '../../learned/dataset.js';
import { LabelWarpError } from '../../util/errors.js';
import type { RegistrationStep } from '../engine.js';
import type { ScanEntry } from '../../learned/dataset.js';
import { readTeacherField } from '../../learned/teacher-fields.js';
import { warpOntoFixed } from '../compose.js';
import { fieldToVoxels, studentInputs } from './inputs.js';

export interface StudentPair {
  id: string;
  grid: Grid;
  template: Float32Array;
  scan: Float32Array;
  /** Teacher's deformable field, network-grid voxels (x, y, z interleaved). */
  teacher: Float32Array;
  /** Template labels after the affine, and the scan's labels, on the network grid (nearest). */
  templateLabels: Int32Array;
  scanLabels?: Int32Array;
  /** The teacher's registration seconds for this scan. */
  teacherSeconds: number;
}

export interface Template {
  image: Volume;
  labels: Volume;
  classes: number[];
}

export async function readTemplate(imageFile: string, labelsFile: string): Promise<Template> {
  const image = await readVolume(imageFile, 'image');
  const labels = await readVolume(labelsFile, 'labels');
  return { image, labels, classes: labelSet(labels.data) };
}

/** `preAlign`: the affine step the engine composes in front of the network (its result is an AffineTransform). */
export async function preparePair(
  template: Template,
  scan: ScanEntry,
  teacherDir: string,
  dims: Vec3,
  preAlign: RegistrationStep,
): Promise<StudentPair> {
  const image = await readVolume(scan.image, 'image');
  const teacher = await readTeacherField(teacherDir, scan.id);
  const aligned = (await preAlign.register(image, template.image)).transform;
  if (!(aligned instanceof AffineTransform))
    throw new LabelWarpError(`the pre-alignment "${preAlign.name}" did not return an affine transform`);
  const affine = aligned;
  const inputs = studentInputs(image, warpOntoFixed(template.image, image, affine), dims);
  // Teacher mapping T = A ∘ G (deformable G after the student's affine A): G = A⁻¹ ∘ T.
  const whole = new DisplacementFieldTransform(gridOf(image), teacher.displacement.data);
  const deformable = new CompositeTransform([whole, new AffineTransform(invert4(affine.matrix))]);
  const teacherVoxels = fieldToVoxels(inputs.grid, displacementOnGrid(deformable, inputs.grid));
  const templateLabels = sampleAtCoordinates(
    template.labels,
    inputs.grid,
    sourceIndexCoordinatesAffine(inputs.grid, template.labels, affine.matrix),
    'nearest',
  );
  const scanLabels = scan.labels ? resampleToGrid(await readVolume(scan.labels, 'labels'), inputs.grid, 'nearest') : undefined;
  return {
    id: scan.id,
    grid: inputs.grid,
    template: inputs.template,
    scan: inputs.scan,
    teacher: teacherVoxels,
    templateLabels: Int32Array.from(templateLabels.data),
    scanLabels: scanLabels ? Int32Array.from(scanLabels.data) : undefined,
    teacherSeconds: teacher.seconds,
  };
}

/** One-hot channels (channel fastest) of `classes`. */
export function oneHot(labels: Int32Array, classes: number[]): Float32Array {
  const out = new Float32Array(labels.length * classes.length);
  const index = new Map(classes.map((c, i) => [c, i]));
  for (let v = 0; v < labels.length; v++) {
    const i = index.get(labels[v]);
    if (i !== undefined) out[v * classes.length + i] = 1;
  }
  return out;
}

/** Mean Dice over `classes` of the template labels warped by `field` (grid voxels) against the scan's. */
export function warpedDice(pair: StudentPair, field: Float32Array, classes: number[]): number {
  const dims = pair.grid.dims;
  const n = pair.templateLabels.length;
  let sum = 0;
  for (const c of classes) {
    const mask = new Float32Array(n);
    for (let v = 0; v < n; v++) mask[v] = pair.templateLabels[v] === c ? 1 : 0;
    const warped = warpTrilinear(mask, dims, field);
    let inter = 0;
    let a = 0;
    let b = 0;
    for (let v = 0; v < n; v++) {
      const p = warped[v] >= 0.5;
      const q = pair.scanLabels![v] === c;
      if (p) a++;
      if (q) b++;
      if (p && q) inter++;
    }
    sum += a + b > 0 ? (2 * inter) / (a + b) : 1;
  }
  return sum / classes.length;
}
