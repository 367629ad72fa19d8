/**
 * The Gauss-Newton deformable step (core/registration/gauss-newton.ts) on a template already
 * brought onto the scan's grid (by composition with a pre-alignment step). Returns the dense field.
 */
import { registerGaussNewton } from '../../registration/gauss-newton.js';
import type { GaussNewtonSettings } from '../../registration/gauss-newton.js';
import { DisplacementFieldTransform } from '../../registration/transform.js';
import { resampleToGrid } from '../../kernels/resample.js';
import { gridOf, sameGrid } from '../../volume/volume.js';
import type { Volume } from '../../volume/volume.js';
import { normalizeRobustPair, warmUpKernelPool } from '../../parallel/kernel-pool.js';
import type { RegistrationStep } from '../engine.js';

/** What a learned feature model adds: a check of the template it was trained for, and freeing it. */
export interface FeatureModelHooks {
  warnings(templateFile?: string): Promise<string[]>;
  dispose(): void;
}

export function gaussNewtonStep(settings: GaussNewtonSettings, model?: FeatureModelHooks): RegistrationStep {
  return {
    name: 'gauss-newton',
    async register(fixed, moving, ctx = {}) {
      warmUpKernelPool();
      const warnings = model ? await model.warnings(ctx.templateFile) : [];
      const onFixed = sameGrid(fixed, moving) ? moving : resampleToGrid(moving, fixed, 'linear');
      // Both normalised at once, the template on the second thread.
      const [fn, mn] = await normalizeRobustPair(fixed.data, onFixed.data);
      const f: Volume<Float32Array> = { ...gridOf(fixed), data: fn.data, components: 1 };
      const m: Volume<Float32Array> = { ...gridOf(fixed), data: mn.data, components: 1 };
      const gn = await registerGaussNewton(f, m, { ...settings, signal: ctx.signal, onProgress: ctx.onProgress });
      if (!(gn.finalResidual <= gn.initialResidual)) {
        warnings.push(
          `the deformable step did not reduce the feature residual (${gn.initialResidual.toFixed(4)} → ${gn.finalResidual.toFixed(4)})`,
        );
      }
      return {
        transform: new DisplacementFieldTransform(fixed, gn.fieldMm),
        warnings,
        details: {
          initialResidual: gn.initialResidual,
          finalResidual: gn.finalResidual,
          cgIterations: gn.cgIterations,
          featureSeconds: gn.seconds.features,
          levelSeconds: gn.seconds.levels.map((x) => x.toFixed(2)).join(' '),
        },
      };
    },
    dispose() {
      model?.dispose();
    },
  };
}
