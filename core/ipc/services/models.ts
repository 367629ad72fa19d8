/** Models: the trained models bundled with the app, for the engine's `model` option. */
import { none } from '../check.js';
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
}

export interface ModelsService {
  list(): Promise<ModelInfo[]>;
}

export const modelsContract = defineService<ModelsService>({ list: none }, {});
