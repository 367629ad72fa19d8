/** The affine engine's options (the one home of their defaults; gn reuses `levels`). */
import { option } from '../options.js';

export const AFFINE_OPTIONS = {
  levels: option.integer({ description: 'pyramid levels, coarse to fine', default: 3, min: 1, max: 5 }),
  iterations: option.numberList({ description: 'iterations per level, coarse to fine', default: [200, 120, 60], min: 0, max: 5000 }),
};
