/** The student engine's options: the one home of their defaults (pre-alignment as gn's). */
import { option } from '../options.js';
import type { OptionValues } from '../options.js';
import { GN_OPTIONS } from '../gn/options.js';

export const STUDENT_OPTIONS = {
  model: option.path({ description: 'student model folder (from labelwarp train student); default: the bundled hippocampus model' }),
  twoStep: option.boolean({ description: 'run the student twice (on the warped template) and compose the two fields', default: false }),
  runtime: option.string({ description: 'where the network runs: auto (onnxruntime, else tfjs), onnxruntime or tfjs', default: 'auto' }),
  affineLevels: GN_OPTIONS.affineLevels,
  affineIterations: GN_OPTIONS.affineIterations,
};

export type StudentOptions = OptionValues<typeof STUDENT_OPTIONS>;
