/**
 * Peak memory of a `gn` run, from the grids: the affine step, the template warped onto the scan,
 * the feature volumes and the Gauss-Newton arrays of the finest level, and the dense field.
 */
import { voxelCount } from '../../volume/volume.js';
import type { Vec3 } from '../../volume/volume.js';
import { blockDims, halvingFactors } from '../../kernels/pyramid.js';
import { MIND_CHANNELS } from '../../kernels/mind.js';
import { affineMemory } from '../affine/memory.js';
import type { RunGrids } from '../engine.js';
import type { GnOptions } from './options.js';

/** Channels a learned model may add beside MIND-SSC (the network is read only when the run starts). */
const LEARNED_CHANNELS_BUDGET = 8;

/** The feature grid: halved (as registerGaussNewton does) until at most maxVoxels. */
function featureGridDims(dims: Vec3, maxVoxels: number): Vec3 {
  let d = dims;
  while (d[0] * d[1] * d[2] > maxVoxels) {
    const f = halvingFactors(d, 16);
    if (f.every((x) => x === 1)) break;
    d = blockDims(d, f);
  }
  return d;
}

/** Voxels of a pyramid level of the feature grid: as many halvings as the factor takes (3: two), small axes kept. */
function pooledVoxels(dims: Vec3, factor: number): number {
  let d = dims;
  for (let f = factor; f > 1; f /= 2) {
    d = blockDims(d, halvingFactors(d, 6));
  }
  return d[0] * d[1] * d[2];
}

export function gnMemory(grids: RunGrids, options: GnOptions): number {
  const n = voxelCount(grids.fixed);
  const features = featureGridDims(grids.fixed.dims, options.maxFeatureVoxels);
  const v = features[0] * features[1] * features[2];
  const channels = MIND_CHANNELS + (options.intensityWeight > 0 ? 1 : 0) + (options.model ? LEARNED_CHANNELS_BUDGET : 0);
  // Scan-grid arrays (bytes per voxel): warp coordinates 12, warped template 4, both normalised
  // images 8, the field in voxels and in mm 24.
  const onScan = 48 * n;
  // Feature-grid arrays: the pooled images 8; per image the features, their shared-memory copy
  // and MIND's temporaries (3 × 4·C); the data terms H, g, the field and its pooled copy 48.
  const onFeatures = v * (8 + 2 * 3 * 4 * channels + 48);
  // The discrete search: its cost volume, 4 bytes per candidate displacement (at most (2r + 1)³) per
  // voxel of its grid, and a few images there.
  const search =
    options.searchFactor > 0 ? (4 * (2 * options.searchRadius + 1) ** 3 + 64) * pooledVoxels(features, options.searchFactor) : 0;
  return Math.max(affineMemory(grids), onScan + onFeatures + search);
}
