/**
 * The supervoxel model folder, in the common model format: model.json (card; config holds the
 * architecture, the network grid, the weight manifest, the template's grid and supervoxel file,
 * the feature folding and the keypoint settings), weights.bin, supervoxels.bin (the template's
 * layers, uint8, layer-major on the template's grid) and supervoxel.onnx.
 */
import path from 'node:path';
import { promises as fs } from 'node:fs';
import { readModelCard } from '../../models/model-format.js';
import { writeTrainedModelCard } from '../../models/trained-card.js';
import type { TrainedModelInfo } from '../../models/trained-card.js';
import type { ModelCard } from '../../models/model-format.js';
import { LabelWarpError } from '../../util/errors.js';
import { writeAtomically } from '../../util/atomic.js';
import type { Grid, Vec3 } from '../../volume/volume.js';
import { ParamSet } from '../student/params.js';
import type { WeightsManifest } from '../student/params.js';
import { supervoxelLayers } from './network.js';
import type { SupervoxelArchitecture } from './network.js';
import type { SupervoxelSettings, TemplateSupervoxels } from './template-supervoxels.js';
import { writeSupervoxelOnnx } from './onnx-export.js';
import { classBins, foldingMatrix } from './features.js';

export const WEIGHTS_FILE = 'weights.bin';
export const SUPERVOXELS_FILE = 'supervoxels.bin';
export const ONNX_FILE = 'supervoxel.onnx';

export interface SupervoxelModelConfig {
  architecture: SupervoxelArchitecture;
  /** Network grid (x, y, z): the scan's box is resampled to it; the output is half of it. */
  grid: Vec3;
  weights: WeightsManifest;
  onnx: string;
  parameters: number;
  /** The template's grid and its supervoxel layers (file relative to the folder). */
  template: { grid: Grid; file: string; layers: number; count: number; settings: SupervoxelSettings };
  /** Folding of the classes into matching features (features.ts). */
  bins: number;
  binSeed: number;
  training: Record<string, unknown>;
}

export interface SupervoxelModelInfo extends TrainedModelInfo {
  grid: Vec3;
  architecture: SupervoxelArchitecture;
  templateGrid: Grid;
  supervoxels: TemplateSupervoxels;
  supervoxelSettings: SupervoxelSettings;
  bins: number;
  binSeed: number;
}

export async function saveSupervoxelModel(dir: string, net: ParamSet, info: SupervoxelModelInfo): Promise<ModelCard> {
  await fs.mkdir(dir, { recursive: true });
  const weights = await net.save(dir, WEIGHTS_FILE);
  await writeAtomically(path.join(dir, SUPERVOXELS_FILE), (tmp) => fs.writeFile(tmp, info.supervoxels.labels));
  const folding = foldingMatrix(
    classBins(info.supervoxels.layers, info.architecture.classes, info.bins, info.binSeed),
    info.supervoxels.layers,
    info.architecture.classes,
    info.bins,
  );
  await writeSupervoxelOnnx(path.join(dir, ONNX_FILE), net, info.architecture, info.grid, folding, info.bins);
  const config: SupervoxelModelConfig = {
    architecture: info.architecture,
    grid: info.grid,
    weights,
    onnx: ONNX_FILE,
    parameters: net.count(),
    template: {
      grid: info.templateGrid,
      file: SUPERVOXELS_FILE,
      layers: info.supervoxels.layers,
      count: info.supervoxels.count,
      settings: info.supervoxelSettings,
    },
    bins: info.bins,
    binSeed: info.binSeed,
    training: info.settings,
  };
  return writeTrainedModelCard(dir, 'supervoxel', config, info);
}

export interface LoadedSupervoxelModel {
  net: ParamSet;
  card: ModelCard;
  config: SupervoxelModelConfig;
  supervoxels: TemplateSupervoxels;
}

export async function loadSupervoxelModel(dir: string): Promise<LoadedSupervoxelModel> {
  const card = await readModelCard(dir, 'supervoxel');
  const config = card.config as unknown as SupervoxelModelConfig;
  if (!config.architecture || !config.grid || !config.weights?.tensors || !config.template?.file)
    throw new LabelWarpError('model.json lacks the supervoxel configuration (architecture, grid, weights, template)', dir);
  const t = config.template;
  if (path.isAbsolute(t.file) || t.file.split(/[\\/]/).includes('..'))
    throw new LabelWarpError('the supervoxel file must be named relative to the model folder', dir);
  const bytes = await fs.readFile(path.join(dir, t.file)).catch(() => {
    throw new LabelWarpError(`${t.file} is missing`, dir);
  });
  const voxels = t.grid.dims[0] * t.grid.dims[1] * t.grid.dims[2];
  if (bytes.length !== voxels * t.layers)
    throw new LabelWarpError(`${t.file} holds ${bytes.length} bytes, not ${t.layers} layers of ${voxels} voxels`, dir);
  const net = await ParamSet.load(dir, supervoxelLayers(config.architecture), config.weights);
  return {
    net,
    card,
    config,
    supervoxels: { dims: [...t.grid.dims] as Vec3, layers: t.layers, count: t.count, labels: new Uint8Array(bytes) },
  };
}
