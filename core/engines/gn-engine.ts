import { registerAffine } from '../registration/affine.js';
import { registerGaussNewton, DEFAULT_GN_LEVELS, DEFAULT_MIND, mindFeatureExtractor } from '../registration/gauss-newton.js';
import type { GaussNewtonLevel, FeatureExtractor } from '../registration/gauss-newton.js';
import { AffineTransform, CompositeTransform, DisplacementFieldTransform } from '../registration/transform.js';
import { resampleAffine } from '../kernels/resample.js';
import { normalizeRobust } from '../kernels/intensity.js';
import { gridOf } from '../volume/volume.js';
import type { Volume } from '../volume/volume.js';
import { subProgress } from '../pipeline/progress.js';
import { POOR_NCC } from './affine-engine.js';
import type { EngineDescriptor, EngineOptions, RegistrationEngine } from './engine.js';
import { FeatureNet } from '../learned/feature-net.js';
import { warmUpKernelPool } from '../parallel/kernel-pool.js';
import { learnedFeatures } from '../learned/learned-features.js';

/** Levels from engine options (lists coarse to fine), falling back to the defaults. */
function levelsFrom(options: EngineOptions): GaussNewtonLevel[] {
  const factors = (options.factors as number[] | undefined) ?? DEFAULT_GN_LEVELS.map((l) => l.factor);
  const iterations = (options.iterations as number[] | undefined) ?? DEFAULT_GN_LEVELS.map((l) => l.iterations);
  const lambdas = (options.lambda as number[] | undefined) ?? DEFAULT_GN_LEVELS.map((l) => l.lambda);
  const grids = (options.gridFactors as number[] | undefined) ?? DEFAULT_GN_LEVELS.map((l) => l.gridFactor ?? 1);
  return factors.map((f, i) => ({
    factor: f as GaussNewtonLevel['factor'],
    gridFactor: grids[Math.min(i, grids.length - 1)] as GaussNewtonLevel['gridFactor'],
    iterations: iterations[Math.min(i, iterations.length - 1)],
    lambda: lambdas[Math.min(i, lambdas.length - 1)],
  }));
}

/** Creates the Gauss-Newton engine; `features` replaces MIND-SSC (learned mode). */
export function createGaussNewtonEngine(
  name: string,
  options: EngineOptions,
  features?: FeatureExtractor,
  dispose?: () => void,
): RegistrationEngine {
  return {
    name,
    async register(fixed, moving, ctx = {}) {
      warmUpKernelPool();
      const warnings: string[] = [];
      const affine = await registerAffine(fixed, moving, {
        iterations: options.affineIterations as number[],
        signal: ctx.signal,
        onProgress: subProgress(ctx.onProgress, 0, 0.3),
      });
      if (!(affine.ncc >= POOR_NCC)) {
        warnings.push(
          `poor pre-alignment: normalised cross-correlation after the affine step is only ${affine.ncc.toFixed(3)}; the images may not overlap or show the same anatomy`,
        );
      }
      const movingOnFixed = resampleAffine(moving, fixed, 'linear', affine.matrix);
      const f: Volume<Float32Array> = { ...gridOf(fixed), data: normalizeRobust(fixed.data), components: 1 };
      const m: Volume<Float32Array> = { ...gridOf(fixed), data: normalizeRobust(movingOnFixed.data), components: 1 };
      const gn = await registerGaussNewton(f, m, {
        levels: levelsFrom(options),
        delta: options.delta as number,
        maxStep: options.maxStep as number,
        maskThreshold: options.maskThreshold as number,
        features:
          features ?? mindFeatureExtractor(options.mindRadius as number, options.mindDilation as number, options.intensityWeight as number),
        signal: ctx.signal,
        onProgress: subProgress(ctx.onProgress, 0.3, 1),
      });
      if (!(gn.finalResidual <= gn.initialResidual)) {
        warnings.push(
          `the deformable step did not reduce the feature residual (${gn.initialResidual.toFixed(4)} → ${gn.finalResidual.toFixed(4)})`,
        );
      }
      const transform = new CompositeTransform([new DisplacementFieldTransform(fixed, gn.fieldMm), new AffineTransform(affine.matrix)]);
      return {
        transform,
        warnings,
        details: {
          affineNcc: affine.ncc,
          initialResidual: gn.initialResidual,
          finalResidual: gn.finalResidual,
          cgIterations: gn.cgIterations,
        },
      };
    },
    dispose() {
      dispose?.();
    },
  };
}

export const GN_OPTIONS: EngineDescriptor['options'] = [
  {
    name: 'factors',
    type: 'number-list',
    description: 'pooling factor of each level, coarse to fine',
    default: DEFAULT_GN_LEVELS.map((l) => l.factor),
    min: 1,
    max: 8,
  },
  {
    name: 'gridFactors',
    type: 'number-list',
    description: 'control-grid coarsening of each level relative to its data (1, 2 or 4)',
    default: DEFAULT_GN_LEVELS.map((l) => l.gridFactor ?? 1),
    min: 1,
    max: 4,
  },
  {
    name: 'iterations',
    type: 'number-list',
    description: 'Gauss-Newton steps per level',
    default: DEFAULT_GN_LEVELS.map((l) => l.iterations),
    min: 0,
    max: 100,
  },
  {
    name: 'lambda',
    type: 'number-list',
    description: 'diffusion regularisation weight per level',
    default: DEFAULT_GN_LEVELS.map((l) => l.lambda),
    min: 0,
    max: 1000,
  },
  { name: 'delta', type: 'number', description: 'damping of the normal equations', default: 0.01, min: 1e-6, max: 100 },
  {
    name: 'maskThreshold',
    type: 'number',
    description: 'background level (normalised intensity) below which voxels add no data terms; 0: all voxels',
    default: 0.05,
    min: 0,
    max: 0.9,
  },
  { name: 'maxStep', type: 'number', description: 'largest update per step, in voxels of the level', default: 1.5, min: 0.1, max: 10 },
  { name: 'mindRadius', type: 'integer', description: 'MIND-SSC patch radius (voxels)', default: DEFAULT_MIND.radius, min: 0, max: 4 },
  {
    name: 'mindDilation',
    type: 'integer',
    description: 'MIND-SSC neighbour distance (voxels)',
    default: DEFAULT_MIND.dilation,
    min: 1,
    max: 4,
  },
  {
    name: 'intensityWeight',
    type: 'number',
    description: 'weight of normalised intensity as an extra feature (0: MIND-SSC only)',
    default: 0,
    min: 0,
    max: 10,
  },
  { name: 'model', type: 'path', description: 'learned feature model folder (from labelwarp train gn); MIND-SSC alone when absent' },
  {
    name: 'affineIterations',
    type: 'number-list',
    description: 'affine pre-alignment iterations per level',
    default: [200, 120, 0],
    min: 0,
    max: 5000,
  },
];

export const gaussNewtonEngine: EngineDescriptor = {
  name: 'gn',
  description: 'Gauss-Newton deformable registration on MIND-SSC features with diffusion regularisation (after affine pre-alignment)',
  deformable: true,
  options: GN_OPTIONS,
  async create(options) {
    if (typeof options.model === 'string') {
      const { net, meta } = await FeatureNet.load(options.model);
      // The MIND-SSC settings the network was trained beside.
      const mind = (meta.mind as { radius?: number; dilation?: number } | undefined) ?? {};
      return createGaussNewtonEngine('gn', options, learnedFeatures(net, mind.radius ?? 1, mind.dilation ?? 1), () => net.dispose());
    }
    return createGaussNewtonEngine('gn', options);
  },
};
