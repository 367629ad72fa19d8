/** The benchmarks' large pair: the aligned brains resampled to 256×256×160 at 1 mm. */
import path from 'node:path';
import { readVolume } from '../volume/io.js';
import { gridOf, gridCentreWorld } from '../volume/volume.js';
import type { Grid, Vec3 } from '../volume/volume.js';
import { resampleToGrid } from '../kernels/resample.js';
import { sharedDataDir } from '../cli/sample-data.js';
import type { SegmentInput } from '../pipeline/segment.js';

export const PAIR_DIMS: Vec3 = [256, 256, 160];

/** A 1 mm grid of PAIR_DIMS in the orientation of `ref`, centred on it. */
function grid1mm(ref: Grid): Grid {
  const c = gridCentreWorld(ref);
  const g = gridOf(ref);
  const half = PAIR_DIMS.map((d) => (d - 1) / 2);
  const origin = [0, 1, 2].map(
    (r) => c[r] - (g.direction[r * 3] * half[0] + g.direction[r * 3 + 1] * half[1] + g.direction[r * 3 + 2] * half[2]),
  ) as Vec3;
  return { dims: [...PAIR_DIMS], spacing: [1, 1, 1], origin, direction: g.direction };
}

/** Template subject-a, scan subject-b, each with its labels, on 1 mm grids of PAIR_DIMS. */
export async function brainPair1mm(
  data = sharedDataDir(),
): Promise<Required<Pick<SegmentInput, 'templateImage' | 'templateLabels' | 'scan' | 'scanLabels'>>> {
  const dir = path.join(data, 'aligned-brain-pair');
  const read = (f: string, kind: 'image' | 'labels') => readVolume(path.join(dir, f), kind);
  const [a, al, b, bl] = await Promise.all([
    read('subject-a_t1.nii.gz', 'image'),
    read('subject-a_labels.nii.gz', 'labels'),
    read('subject-b_t1.nii.gz', 'image'),
    read('subject-b_labels.nii.gz', 'labels'),
  ]);
  const ga = grid1mm(a);
  const gb = grid1mm(b);
  return {
    templateImage: resampleToGrid(a, ga, 'linear'),
    templateLabels: resampleToGrid(al, ga, 'nearest'),
    scan: resampleToGrid(b, gb, 'linear'),
    scanLabels: resampleToGrid(bl, gb, 'nearest'),
  };
}
