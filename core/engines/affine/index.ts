/** The `affine` engine: the affine step alone. */
import { defineEngine } from '../engine.js';
import { AFFINE_OPTIONS } from './options.js';
import { affineStep } from './step.js';
import { affineMemory } from './memory.js';

export const affineEngine = defineEngine({
  name: 'affine',
  description: '12-parameter affine registration (normalised cross-correlation, coarse to fine); fast, global only',
  deformable: false,
  options: AFFINE_OPTIONS,
  usesTensors: () => false,
  async create(options) {
    return affineStep({ levels: options.levels, iterations: options.iterations, role: 'alignment' });
  },
  estimateMemory: (grids) => affineMemory(grids),
});
