/**
 * Supervoxel label maps on other grids: the template's layers carried through a mapping (scan
 * world → template world), nearest neighbour. Training transfers them to each training scan
 * through the teacher's displacement field; inference carries them through the pre-alignment.
 * Also the network's input image (the scan's box resampled to the network grid, normalised) and
 * the half-resolution grid of the network's output.
 */
import { gridOf } from '../../volume/volume.js';
import type { Grid, Vec3, Volume } from '../../volume/volume.js';
import { resampleToGrid, sampleInto } from '../../kernels/resample.js';
import { normalizeRobust } from '../../kernels/intensity.js';
import { sourceIndexCoordinates } from '../../registration/transform.js';
import type { SpatialTransform } from '../../registration/transform.js';
import { networkGrid } from '../student/inputs.js';
import type { TemplateSupervoxels } from './template-supervoxels.js';

export { networkGrid };

/** The stride-2 output grid of the network over the same box. */
export function outputGrid(net: Grid): Grid {
  return networkGrid(net, net.dims.map((d) => d / 2) as Vec3);
}

/** The scan resampled (trilinear) onto the network grid, robustly normalised to [0, 1]. */
export function networkImage(scan: Volume, grid: Grid): Float32Array {
  return normalizeRobust(resampleToGrid({ ...scan, ...gridOf(scan) }, grid, 'linear').data);
}

/**
 * The template's layers on `target` through `t` (target world → template world), nearest:
 * layer-major labels, layers × voxels of target.
 */
export function carryLabels(sv: TemplateSupervoxels, templateGrid: Grid, target: Grid, t: SpatialTransform): Uint8Array {
  const coords = sourceIndexCoordinates(target, templateGrid, t);
  const n = coords.length / 3;
  const out = new Uint8Array(sv.layers * n);
  const tmp = new Int32Array(n);
  const m = sv.labels.length / sv.layers;
  for (let l = 0; l < sv.layers; l++) {
    sampleInto(sv.labels.subarray(l * m, (l + 1) * m), sv.dims, coords, 'nearest', tmp);
    for (let v = 0; v < n; v++) out[l * n + v] = tmp[v];
  }
  return out;
}
