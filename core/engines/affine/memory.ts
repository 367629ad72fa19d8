/** Peak memory of the affine step, from the grids alone. */
import { voxelCount } from '../../volume/volume.js';
import type { RunGrids } from '../engine.js';

/**
 * Per image: a float32 copy, its normalised intensities and the pyramid above it (1/7 of a
 * level, rounded up to 1/4 for anisotropic halving): about 10 bytes per voxel.
 */
export function affineMemory(grids: RunGrids): number {
  return 10 * (voxelCount(grids.fixed) + voxelCount(grids.moving));
}
