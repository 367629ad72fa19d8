/**
 * The `supervoxel` engine (SLIC-Reg): affine pre-alignment composed with the supervoxel step
 * (the network predicts the template's supervoxels in the scan, keypoints are matched, the field
 * densified: step.ts). Trainable with `labelwarp train supervoxel` (train.ts).
 */
import path from 'node:path';
import { promises as fs } from 'node:fs';
import { defineEngine } from '../engine.js';
import { bundledModel } from '../../models/bundled.js';
import { compose } from '../compose.js';
import { affineStep } from '../affine/step.js';
import { affineMemory } from '../affine/memory.js';
import { templateWarning } from '../../models/model-format.js';
import { voxelCount } from '../../volume/volume.js';
import { modelFileKey, runtimeChoice } from '../cnn-runtime.js';
import { SUPERVOXEL_OPTIONS } from './options.js';
import { supervoxelTrainer } from './trainer.js';

/** The model a run loads: the one given, else the bundled hippocampus model. */
const modelFolder = (options: { model?: string }): string => options.model ?? bundledModel('supervoxel-hippocampus');

export const supervoxelEngine = defineEngine({
  name: 'supervoxel',
  description: 'SLIC-Reg: a CNN predicts the template supervoxels in the scan, keypoints matched by Adam, after affine pre-alignment',
  deformable: true,
  options: SUPERVOXEL_OPTIONS,
  modelFolder,
  async create(options) {
    const choice = runtimeChoice('supervoxel', options.runtime);
    const dir = modelFolder(options);
    // The network code (and TensorFlow.js with it) loads when the engine is created, not with the registry.
    const [{ loadSupervoxelModel }, { createFeatureRuntime, tfjsFeatureRuntime }, { classBins, foldingMatrix }, { supervoxelStep }] =
      await Promise.all([import('./model.js'), import('./runtime.js'), import('./features.js'), import('./step.js')]);
    const { net, card, config, supervoxels } = await loadSupervoxelModel(dir);
    const arch = config.architecture;
    const binOf = classBins(supervoxels.layers, arch.classes, config.bins, config.binSeed);
    const folding = foldingMatrix(binOf, supervoxels.layers, arch.classes, config.bins);
    const onnxFile = path.resolve(dir, config.onnx);
    const { runtime, fallback } = await createFeatureRuntime(
      choice,
      async () => new Uint8Array(await fs.readFile(onnxFile)),
      () => tfjsFeatureRuntime(net, arch, config.grid, folding, config.bins, options.headChunk),
      config.grid,
      // The ONNX session is shared by every scan of this process that uses this file (as it is now).
      await modelFileKey(onnxFile),
    );
    const step = supervoxelStep(
      { runtime, grid: config.grid, templateGrid: config.template.grid, supervoxels, classes: arch.classes, binOf, bins: config.bins },
      {
        learningRate: options.learningRate,
        alpha: options.alpha,
        k: options.neighbours,
        iterations: options.iterations,
        smoothMm: options.smoothMm,
        ownLayer: options.ownLayer,
      },
      {
        warnings: async (templateFile) =>
          [await templateWarning(card, dir, templateFile), fallback].filter((w): w is string => w !== undefined),
        dispose: () => {
          runtime.dispose();
          net.dispose();
        },
      },
    );
    const affine = affineStep({ levels: options.affineLevels, iterations: options.affineIterations, role: 'pre-alignment' });
    return compose(affine, step, { name: 'supervoxel', split: 0.6 });
  },
  estimateMemory(grids) {
    // The affine step; then on the scan grid the field and coordinates (28 bytes per voxel); the
    // network grid, its features and the template's supervoxel maps are small beside them.
    return Math.max(affineMemory(grids), 28 * voxelCount(grids.fixed));
  },
  trainer: supervoxelTrainer,
});
