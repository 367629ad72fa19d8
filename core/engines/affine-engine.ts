import { registerAffine } from '../registration/affine.js';
import { AffineTransform } from '../registration/transform.js';
import type { EngineDescriptor, RegistrationEngine } from './engine.js';

/** Below this NCC after registration the result is flagged as poor. */
export const POOR_NCC = 0.3;

export const affineEngine: EngineDescriptor = {
  name: 'affine',
  description: '12-parameter affine registration (normalised cross-correlation, coarse to fine); fast, global only',
  deformable: false,
  options: [
    { name: 'levels', type: 'integer', description: 'pyramid levels, coarse to fine', default: 3, min: 1, max: 5 },
    {
      name: 'iterations',
      type: 'number-list',
      description: 'iterations per level, coarse to fine',
      default: [200, 120, 60],
      min: 0,
      max: 5000,
    },
  ],
  async create(options): Promise<RegistrationEngine> {
    return {
      name: 'affine',
      async register(fixed, moving, ctx = {}) {
        const r = await registerAffine(fixed, moving, {
          levels: options.levels as number,
          iterations: options.iterations as number[],
          signal: ctx.signal,
          onProgress: ctx.onProgress,
        });
        const warnings: string[] = [];
        if (!(r.ncc >= POOR_NCC)) {
          warnings.push(
            `poor alignment: normalised cross-correlation after registration is only ${r.ncc.toFixed(3)}; check that the scan and template show the same anatomy`,
          );
        }
        return { transform: new AffineTransform(r.matrix), warnings, details: { ncc: r.ncc } };
      },
      dispose() {},
    };
  },
};
