/** Models: the trained models bundled with the app and those of its workspace, for the engine's `model` option. */
import { id, object, oneOf, optional } from '../check.js';
import { defineService } from '../table.js';

export interface ModelInfo {
  /** What the engine's `model` option takes. */
  path: string;
  name: string;
  /** The engine that uses it (the card's `engine`). */
  engine: string;
  /** File name of the template image it was trained with (the card's `template.image.file`). */
  template: string;
  bundled: boolean;
  /** Mean Dice on the validation scans, from the card, where known. */
  meanDice?: number;
  /** Trained for the template named in the request (same image checksum); absent when none was named. */
  forTemplate?: boolean;
  trainingSubjects: number;
  validationSubjects: number;
  /** Tensor backend that trained it, seconds of training and the date of the card. */
  backend: string;
  seconds: number | null;
  date: string | null;
}

export interface ModelsService {
  /**
   * With `templateId`, each model says whether it was trained for that template: one of the app's,
   * or (`from: 'workspace'`) one of the workspace open in the Cohort tab.
   */
  list(args: { templateId?: string; from?: 'workspace' | 'app' }): Promise<ModelInfo[]>;
}

export const modelsContract = defineService<ModelsService>(
  { list: object({ templateId: optional(id), from: optional(oneOf(['workspace', 'app'] as const)) }) },
  {},
);
