/**
 * Affine registration as a step: 12 parameters, normalised cross-correlation, coarse to fine. The
 * `affine` engine is this step alone; deformable engines compose it in front of theirs.
 */
import { registerAffine } from '../../registration/affine.js';
import { AffineTransform } from '../../registration/transform.js';
import type { RegistrationStep } from '../engine.js';

/**
 * Below this NCC after registration the result is flagged as poor. Measured (docs/quality.md,
 * 2026-11-23): good hippocampus crops reach 0.18–0.48 behind gn's pre-alignment (Dice 0.72–0.85
 * after gn), brain pairs 0.83–0.87; the hippocampus template on a brain, or a scan of noise, 0.
 */
export const POOR_NCC = 0.15;

export interface AffineStepSettings {
  levels: number;
  /** Iterations per level, coarse to fine. */
  iterations: number[];
  /** The finest level iterated has at most about this many voxels (registerAffine's maxVoxels); default: no limit. */
  maxVoxels?: number;
  /** 'alignment' when it is the whole engine, 'pre-alignment' in front of a deformable step. */
  role: 'alignment' | 'pre-alignment';
}

export function affineStep(settings: AffineStepSettings): RegistrationStep {
  return {
    name: 'affine',
    async register(fixed, moving, ctx = {}) {
      const r = await registerAffine(fixed, moving, {
        levels: settings.levels,
        iterations: settings.iterations,
        maxVoxels: settings.maxVoxels,
        signal: ctx.signal,
        onProgress: ctx.onProgress,
      });
      const warnings: string[] = [];
      if (!(r.ncc >= POOR_NCC)) {
        warnings.push(
          settings.role === 'alignment'
            ? `poor alignment: normalised cross-correlation after registration is only ${r.ncc.toFixed(3)}; check that the scan and template show the same anatomy`
            : `poor pre-alignment: normalised cross-correlation after the affine step is only ${r.ncc.toFixed(3)}; the images may not overlap or show the same anatomy`,
        );
      }
      return { transform: new AffineTransform(r.matrix), warnings, details: { ncc: r.ncc } };
    },
    dispose() {},
  };
}
