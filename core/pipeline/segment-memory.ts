/** Bytes the segment pipeline holds beside the engine: its outputs on the scan grid, from the grids alone. */
import { voxelCount } from '../volume/volume.js';
import type { Grid } from '../volume/volume.js';

/**
 * Per scan voxel: the transform evaluated on the grid (world points and mapped points, float64:
 * 48 bytes; template index coordinates, float32: 12), the label map and warped template (8), the
 * displacement field, interleaved and component by component for writing (24), and the Jacobian
 * for the metrics (8): about 100 bytes.
 */
export function segmentMemory(scan: Grid): number {
  return 100 * voxelCount(scan);
}
