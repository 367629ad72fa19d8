/**
 * The supervoxel registration step (after the affine pre-alignment, by composition):
 * 1. predict: the scan on the network grid → the matching features of its 16 predicted
 *    supervoxel maps on the half grid (features.ts);
 * 2. keypoints: the template's supervoxels carried onto the scan's box through the pre-alignment
 *    (ctx.pre), their centres (16 × 127) and one-hot features; the centres' displacements
 *    optimised by Adam with the k-NN diffusion penalty (keypoints.ts);
 * 3. densify: a template centre p_i and its match q_i = p_i + d_i give the mapping's value at q_i
 *    (scan → template: p_i), so −d_i at q_i, interpolated smoothly over the grid (densify.ts).
 * The step returns that field as a transform and the seconds of each part.
 */
import type { RegistrationStep } from '../engine.js';
import type { Grid, Vec3 } from '../../volume/volume.js';
import { AffineTransform } from '../../registration/transform.js';
import { fieldTransform } from '../student/inputs.js';
import { carryLabels, networkGrid, networkImage, outputGrid } from './maps.js';
import { supervoxelCentres } from './template-supervoxels.js';
import type { TemplateSupervoxels } from './template-supervoxels.js';
import { labelFeatures } from './features.js';
import { optimiseKeypoints, sampleFeatures } from './keypoints.js';
import { keypointDataTermParallel } from '../../parallel/kernel-pool.js';
import type { KeypointOptions } from './keypoints.js';
import { densify } from './densify.js';
import type { FeatureRuntime } from './runtime.js';

export interface SupervoxelStepModel {
  runtime: FeatureRuntime;
  grid: Vec3;
  templateGrid: Grid;
  supervoxels: TemplateSupervoxels;
  classes: number;
  binOf: Int32Array;
  bins: number;
}

export interface SupervoxelStepHooks {
  warnings(templateFile?: string): Promise<string[]>;
  dispose(): void;
}

export interface MatchSettings extends KeypointOptions {
  smoothMm: number;
  /** Match each keypoint on its own supervoxel layer's channels only (else on all layers'). */
  ownLayer?: boolean;
}

/** Keypoints (voxel coordinates on `grid`) of the supervoxels present in `labels`, and their layer-major index. */
function keypointsOf(labels: Uint8Array, grid: Grid, layers: number, count: number): { points: Float32Array; index: number[] } {
  const centres = supervoxelCentres(labels, grid.dims, layers, count);
  const index: number[] = [];
  for (let p = 0; p < layers * count; p++) if (!Number.isNaN(centres[3 * p])) index.push(p);
  const points = new Float32Array(3 * index.length);
  index.forEach((p, i) => points.set(centres.subarray(3 * p, 3 * p + 3), 3 * i));
  return { points, index };
}

/** Fine-grid voxel coordinates → half-grid ones (same box: centres at 2h + 0.5). */
const toHalf = (p: number) => (p - 0.5) / 2;

export async function matchKeypoints(
  model: SupervoxelStepModel,
  scanFeatures: Float32Array,
  net: Grid,
  pre: import('../../registration/transform.js').SpatialTransform,
  s: MatchSettings,
): Promise<{ field: Float32Array; keypoints: number; initialLoss: number; finalLoss: number; densifySeconds: number }> {
  const { supervoxels: sv, bins } = model;
  const half = outputGrid(net);
  const C = sv.layers * bins;
  // The template's supervoxels on the network grid (centres) and on the half grid (features).
  const fine = carryLabels(sv, model.templateGrid, net, pre);
  const { points, index } = keypointsOf(fine, net, sv.layers, sv.count);
  const kp = points.map(toHalf);
  const coarse = carryLabels(sv, model.templateGrid, half, pre);
  const hv = half.dims[0] * half.dims[1] * half.dims[2];
  const templateFeatures = { dims: half.dims, channels: C, data: labelFeatures(coarse, hv, sv.layers, model.classes, model.binOf, bins) };
  const targets = sampleFeatures(templateFeatures, kp);
  const mm = points.map((p, i) => p * net.spacing[i % 3]);
  const scan = { dims: half.dims, channels: C, data: scanFeatures };
  // Keypoint i is the centre of a supervoxel of layer ⌊index / count⌋, whose bins are its own channels.
  const windows = s.ownLayer ? { start: Int32Array.from(index, (p) => Math.floor(p / sv.count) * bins), width: bins } : undefined;
  // The data term of half the keypoints on the second core.
  const r = await optimiseKeypoints(scan, kp, targets, s, mm, keypointDataTermParallel(scan, kp, targets, windows));
  // Correspondences on the fine grid: q = p + 2d (fine voxels), value −2d.
  const n = points.length / 3;
  const q = new Float32Array(3 * n);
  const values = new Float32Array(3 * n);
  for (let i = 0; i < 3 * n; i++) {
    q[i] = points[i] + 2 * r.displacement[i];
    values[i] = -2 * r.displacement[i];
  }
  const sigma = net.spacing.map((sp) => s.smoothMm / sp) as Vec3;
  const t0 = performance.now();
  const field = densify(q, values, net.dims, sigma);
  const densifySeconds = (performance.now() - t0) / 1000;
  return { field, keypoints: n, initialLoss: r.initialLoss, finalLoss: r.finalLoss, densifySeconds };
}

export function supervoxelStep(model: SupervoxelStepModel, settings: MatchSettings, hooks: SupervoxelStepHooks): RegistrationStep {
  return {
    name: 'supervoxel',
    async register(fixed, _moving, ctx = {}) {
      const warnings = await hooks.warnings(ctx.templateFile);
      const net = networkGrid(fixed, model.grid);
      ctx.onProgress?.({
        stage: 'registration',
        fraction: 0.05,
        message: `supervoxel prediction (${model.runtime.name}, ${model.runtime.device})`,
      });
      const t0 = performance.now();
      const features = await model.runtime.run(networkImage(fixed, net));
      const t1 = performance.now();
      ctx.onProgress?.({ stage: 'registration', fraction: 0.5, message: 'supervoxel keypoint matching' });
      const m = await matchKeypoints(model, features, net, ctx.pre ?? AffineTransform.identity(), settings);
      const t2 = performance.now();
      const transform = fieldTransform(net, m.field);
      const t3 = performance.now();
      ctx.onProgress?.({ stage: 'registration', fraction: 1, message: 'supervoxel done' });
      return {
        transform,
        warnings,
        details: {
          runtime: model.runtime.name,
          device: model.runtime.device,
          predictSeconds: (t1 - t0) / 1000,
          // Carrying the template's supervoxels and the Adam iterations; then the dense field.
          matchSeconds: (t2 - t1) / 1000 - m.densifySeconds,
          densifySeconds: m.densifySeconds + (t3 - t2) / 1000,
          keypoints: m.keypoints,
          matchLossStart: m.initialLoss,
          matchLossEnd: m.finalLoss,
        },
      };
    },
    dispose() {
      hooks.dispose();
    },
  };
}
