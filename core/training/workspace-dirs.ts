/**
 * Where training keeps its files inside a workspace folder W: finished models in W/models/NAME/
 * (the common model format, listed by `labelwarp models --workspace W`), teacher fields in
 * W/teachers/KEY/ (shared by every training for the same template and teacher), and each training
 * run's state, scan links, logs and checkpoints in W/training/RUN/.
 */
import path from 'node:path';

export interface TrainingDirs {
  models: string;
  teachers: string;
  runs: string;
}

export function trainingDirs(workspace: string): TrainingDirs {
  const root = path.resolve(workspace);
  return { models: path.join(root, 'models'), teachers: path.join(root, 'teachers'), runs: path.join(root, 'training') };
}
