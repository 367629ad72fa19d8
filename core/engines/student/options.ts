/**
 * The student engine's options: the one home of their defaults. The pre-alignment is the affine
 * step with the affine engine's option declarations, on a cheaper setting than gn's (two levels,
 * 30 iterations at half size): the network is trained on inputs pre-aligned the same way
 * (`labelwarp train student` reads these defaults) and corrects what the short affine leaves.
 */
import { option, withDefault } from '../options.js';
import type { OptionValues } from '../options.js';
import { RUNTIME_OPTION } from '../cnn-runtime.js';
import { AFFINE_OPTIONS } from '../affine/options.js';

export const STUDENT_OPTIONS = {
  model: option.path({ description: 'student model folder (from labelwarp train student); default: the bundled hippocampus model' }),
  twoStep: option.boolean({ description: 'run the student twice (on the warped template) and compose the two fields', default: false }),
  runtime: RUNTIME_OPTION,
  affineLevels: withDefault(AFFINE_OPTIONS.levels, {
    description: 'affine pre-alignment pyramid levels (as the model was trained)',
    default: 2,
  }),
  affineIterations: withDefault(AFFINE_OPTIONS.iterations, {
    description: 'affine pre-alignment iterations per level, coarse to fine (as the model was trained)',
    default: [30, 0],
  }),
};

export type StudentOptions = OptionValues<typeof STUDENT_OPTIONS>;
