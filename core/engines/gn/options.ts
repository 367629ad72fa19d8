/**
 * The Gauss-Newton engine's options: the one home of every Gauss-Newton default. `gaussNewtonSettings`
 * turns the typed options into the settings of core/registration/gauss-newton.ts, which has none.
 */
import { option } from '../options.js';
import { AFFINE_OPTIONS } from '../affine/options.js';
import type { OptionValues } from '../options.js';
import { mindFeatureExtractor } from '../../registration/gauss-newton.js';
import type { FeatureExtractor, GaussNewtonLevel, GaussNewtonSettings } from '../../registration/gauss-newton.js';

/**
 * Tuned on IXI pairs (docs/benchmarks.md, 2026-11-23 12:00–13:10): after the discrete search on
 * the features pooled twice (searchFactor), two steps there and four (six before the intensity
 * channel, see searchBall) on the full feature grid with a control grid twice as coarse. The
 * search replaced the 16 and 8 mm levels. The weights doubled (0.01, 0.02 before) when the
 * intensity channel came in (intensityWeight): the stronger data term wants a stronger prior (IXI
 * SD log J 0.608 → 0.365 at Dice 0.700 → 0.692).
 */
const LEVELS: Required<GaussNewtonLevel>[] = [
  { factor: 2, gridFactor: 1, iterations: 2, lambda: 0.02 },
  { factor: 1, gridFactor: 2, iterations: 4, lambda: 0.04 },
];

export const GN_OPTIONS = {
  factors: option.numberList({
    description: 'pooling factor of each level, coarse to fine',
    default: LEVELS.map((l) => l.factor),
    min: 1,
    max: 8,
  }),
  gridFactors: option.numberList({
    description: 'control-grid coarsening of each level relative to its data (1, 2 or 4)',
    default: LEVELS.map((l) => l.gridFactor),
    min: 1,
    max: 4,
  }),
  iterations: option.numberList({
    description: 'Gauss-Newton steps per level',
    default: LEVELS.map((l) => l.iterations),
    min: 0,
    max: 100,
  }),
  lambda: option.numberList({
    description: 'diffusion regularisation weight per level',
    default: LEVELS.map((l) => l.lambda),
    min: 0,
    max: 1000,
  }),
  delta: option.number({ description: 'damping of the normal equations', default: 0.01, min: 1e-6, max: 100 }),
  maskThreshold: option.number({
    description: 'background level (normalised intensity) below which voxels add no data terms; 0: all voxels',
    default: 0.05,
    min: 0,
    max: 0.9,
  }),
  maxStep: option.number({ description: 'largest update per step, in voxels of the level', default: 1.5, min: 0.1, max: 10 }),
  // 0.25 rather than 0.1 since the intensity channel: the aligned 1 mm pair, whose ventricles are
  // 3.5 times the template's, folded 0.16 % of voxels (SD log J 0.90) at 0.1 and folds 0.06 %
  // (0.62) at 0.25, Dice 0.659 → 0.652; IXI Dice 0.692 both (SD log J 0.365 → 0.311), hippocampus
  // (learned, 20) 0.780 both (bench --no-elastix, 2026-11-23 evening).
  minJacobian: option.number({
    description: 'fold-aware steps: where a step would push det J below this (and lower), it is halved there; 0: off',
    default: 0.25,
    min: 0,
    max: 0.9,
  }),
  // 0.1: with the discrete search in front, a loosely solved step is as good as a tight one. IXI,
  // 9 pairs: 37 instead of 74 CG iterations a pair, mean Dice 0.6555 (0.6553 at 0.01); the aligned
  // pair 0.5977 (0.5974); hippocampus, learned, 5 held-out 0.7857 (0.7860); the 256×256×160 pair
  // 0.599 (0.599); docs/benchmarks.md, 2026-11-23 evening. Without the search (searchFactor=0,
  // levels 8,4,2,1) 0.1 costs a little: IXI 0.6165 against 0.6178 at 0.01 (and before the search,
  // 0.03 lost 0.006 on that 256×256×160 pair). Each step is re-linearised anyway.
  cgTolerance: option.number({ description: 'relative residual at which conjugate gradients stop', default: 0.1, min: 1e-8, max: 0.5 }),
  cgIterations: option.integer({ description: 'most conjugate-gradient iterations per step', default: 40, min: 1, max: 1000 }),
  maxFeatureVoxels: option.integer({
    description: 'images with more voxels are block-averaged before feature extraction',
    default: 2_500_000,
    min: 1000,
    max: 1e9,
  }),
  mindRadius: option.integer({ description: 'MIND-SSC patch radius (voxels)', default: 1, min: 0, max: 4 }),
  // Dilation 2 captured more context on 2 mm brains.
  mindDilation: option.integer({ description: 'MIND-SSC neighbour distance (voxels)', default: 2, min: 1, max: 4 }),
  // The template and the scan share a contrast (the affine pre-alignment's NCC assumes it too), so
  // their robustly normalised intensities are a feature as well: MIND-SSC alone misses the grey /
  // white / CSF levels. With 6 (and the weights doubled), bench --no-elastix, 2026-11-23 evening:
  // IXI 0.6555 → 0.692 (SD log J 0.400 → 0.365), the aligned 1 mm pair 0.598 → 0.659, hippocampus
  // 20 held-out 0.767 → 0.787 with MIND-SSC. The learned mode adds the channel too (with all
  // of today's defaults: 0.781, 0.778 without it; MIND-SSC and intensity alone 0.782, as
  // gn-hippocampus was trained beside MIND-SSC alone). IXI Dice / SD log J of others: 2 (old
  // weights) 0.672; 6 and 10 (old weights) 0.700 / 0.608 and 0.701 / 0.900, rougher than elastix
  // (0.515); 6 at 0.015, 0.03: 0.697 / 0.457; 8 at 0.025, 0.05: 0.695 / 0.419; 4 at 0.015, 0.03:
  // 0.686 / 0.345.
  intensityWeight: option.number({
    description: 'weight of normalised intensity as an extra feature (0: MIND-SSC only)',
    default: 6,
    min: 0,
    max: 10,
  }),
  // The search replaced the 16 and 8 mm Gauss-Newton levels: IXI mean Dice 0.625 → 0.655, the
  // hippocampus (learned, 20 scans) 0.779 → 0.786 (docs/benchmarks.md, 2026-11-23, 12:00–13:10).
  // Tried and not kept: a plain start (no θ = 0 pass, 0.634), the search on 8 mm (0.635), a block
  // grid over 4 mm costs (0.647), radius 3 (0.651), patch 2, more couplings, parabolic sub-voxel
  // refinement (+0.0002), and ConvexAdam's inverse-consistent pair of searches (0.654, slower).
  searchFactor: option.integer({
    description:
      'pooling factor of the discrete displacement search that initialises the field, as the levels pool (1, 2, 4, 8; 3 pools as 4); 0: none',
    default: 2,
    min: 0,
    max: 8,
  }),
  searchRadius: option.integer({
    description: 'largest displacement of the discrete search per axis, in voxels of its grid ((2r + 1)³ candidates)',
    default: 2,
    min: 1,
    max: 6,
  }),
  // IXI: 0.1 s less search, mean Dice 0.6549 against 0.6553 (MIND-SSC alone). On since the
  // intensity channel, with four steps on the finest level instead of six, to keep registration
  // under a tenth of elastix's with room for this host's swings (IXI beside elastix at six steps and
  // the full cube: 1/9.9 and 1/10.4 in two runs): IXI 0.692 → 0.690, aligned 0.652 → 0.651,
  // hippocampus (learned, 20) 0.780 → 0.778 (bench --no-elastix, 2026-11-23 evening).
  searchBall: option.boolean({
    description: 'search only the displacements with |d|² ≤ 1.5 r² (81 instead of 125 for r = 2)',
    default: true,
  }),
  searchPatch: option.integer({ description: 'box radius over which the search averages feature distances', default: 1, min: 0, max: 4 }),
  searchSmooth: option.integer({ description: 'box radius of the smoothing coupled to the search', default: 1, min: 1, max: 6 }),
  searchCouplings: option.numberList({
    description: 'coupling weights of the search to its smoothed field (starting at zero), relative to the mean cost, increasing',
    default: [0, 0.3],
    min: 0,
    max: 1000,
    increasing: true,
  }),
  model: option.path({ description: 'learned feature model folder (from labelwarp train gn); MIND-SSC (and intensity) alone when absent' }),
  affineLevels: AFFINE_OPTIONS.levels,
  // 100, 60 instead of 200, 120: the same IXI Dice after the discrete search (0.6546 both) and
  // hippocampus Dice (learned, 20 scans, 0.786 both), in less time (docs/benchmarks.md, 2026-11-23).
  affineIterations: option.numberList({
    description: 'affine pre-alignment iterations per level',
    default: [100, 60, 0],
    min: 0,
    max: 5000,
  }),
  // IXI's 4 mm level (162k voxels) stays; a 1 mm brain aligns at 4 and 8 mm instead of 2 and 4 mm.
  affineMaxVoxels: option.integer({
    description: 'the pre-alignment moves to coarser levels while its finest iterated level has more voxels than this',
    default: 300_000,
    min: 1000,
    max: 1e9,
  }),
};

export type GnOptions = OptionValues<typeof GN_OPTIONS>;

/** Levels from the per-level lists (a shorter list repeats its last value). */
export function gaussNewtonLevels(options: GnOptions): GaussNewtonLevel[] {
  const at = (list: number[], i: number) => list[Math.min(i, list.length - 1)];
  return options.factors.map((f, i) => ({
    factor: f as GaussNewtonLevel['factor'],
    gridFactor: at(options.gridFactors, i) as GaussNewtonLevel['gridFactor'],
    iterations: at(options.iterations, i),
    lambda: at(options.lambda, i),
  }));
}

export function gaussNewtonSettings(options: GnOptions, features: FeatureExtractor): GaussNewtonSettings {
  return {
    levels: gaussNewtonLevels(options),
    delta: options.delta,
    maxStep: options.maxStep,
    minJacobian: options.minJacobian,
    maskThreshold: options.maskThreshold,
    cgTolerance: options.cgTolerance,
    cgIterations: options.cgIterations,
    maxFeatureVoxels: options.maxFeatureVoxels,
    features,
    discrete:
      options.searchFactor > 0
        ? {
            factor: options.searchFactor,
            radius: options.searchRadius,
            ball: options.searchBall,
            patch: options.searchPatch,
            smooth: options.searchSmooth,
            couplings: options.searchCouplings,
          }
        : undefined,
  };
}

/** The handcrafted features the options describe (MIND-SSC, optionally with intensity). */
export function mindFeatures(options: GnOptions): FeatureExtractor {
  return mindFeatureExtractor(options.mindRadius, options.mindDilation, options.intensityWeight);
}
