/**
 * The student model folder, in the common model format (core/models/model-format.ts): model.json
 * (card; config holds the architecture, the network grid, the weight manifest and the ONNX file),
 * weights.bin and student.onnx. `saveStudentModel` is the one writer; `loadStudentModel` the reader.
 */
import path from 'node:path';
import { readModelCard } from '../../models/model-format.js';
import { writeTrainedModelCard } from '../../models/trained-card.js';
import type { TrainedModelInfo } from '../../models/trained-card.js';
import type { ModelCard } from '../../models/model-format.js';
import { LabelWarpError } from '../../util/errors.js';
import type { Vec3 } from '../../volume/volume.js';
import { STUDENT_ARCHITECTURE, studentLayers } from './network.js';
import type { StudentArchitecture } from './network.js';
import { ParamSet } from './params.js';
import type { WeightsManifest } from './params.js';
import { writeStudentOnnx } from './onnx-export.js';

export const WEIGHTS_FILE = 'weights.bin';
export const ONNX_FILE = 'student.onnx';

/** `config` of a student model card. */
export interface StudentModelConfig {
  architecture: StudentArchitecture;
  /** Network grid, voxels (x, y, z): the scan's box is resampled to it. */
  grid: Vec3;
  weights: WeightsManifest;
  /** The same network as an ONNX graph (relative file name). */
  onnx: string;
  parameters: number;
  training: Record<string, unknown>;
}

export interface StudentModelInfo extends TrainedModelInfo {
  grid: Vec3;
}

export async function saveStudentModel(dir: string, net: ParamSet, info: StudentModelInfo): Promise<ModelCard> {
  const weights = await net.save(dir, WEIGHTS_FILE);
  await writeStudentOnnx(path.join(dir, ONNX_FILE), net, STUDENT_ARCHITECTURE, info.grid);
  const config: StudentModelConfig = {
    architecture: STUDENT_ARCHITECTURE,
    grid: info.grid,
    weights,
    onnx: ONNX_FILE,
    parameters: net.count(),
    training: info.settings,
  };
  return writeTrainedModelCard(dir, 'student', config, info);
}

/** The card and its student configuration, checked; no weights loaded. */
export async function readStudentCard(dir: string): Promise<{ card: ModelCard; config: StudentModelConfig }> {
  const card = await readModelCard(dir, 'student');
  const config = card.config as unknown as StudentModelConfig;
  if (!config.architecture || !config.grid || !config.weights?.tensors || typeof config.onnx !== 'string')
    throw new LabelWarpError('model.json lacks the student configuration (architecture, grid, weights, onnx)', dir);
  return { card, config };
}

/** The weights as tfjs variables (the caller disposes them). */
export function loadStudentNet(dir: string, config: StudentModelConfig): Promise<ParamSet> {
  return ParamSet.load(dir, studentLayers(config.architecture), config.weights);
}
