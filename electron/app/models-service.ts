/** The models service (core/ipc/services/models.ts): the trained models bundled in the app's resources. */
import path from 'node:path';
import { findModels } from '../../core/models/catalog.js';
import type { ModelInfo, ModelsService } from '../../core/ipc/contract.js';
import type { AppContext } from './app-context.js';

export class Models implements ModelsService {
  constructor(private readonly ctx: AppContext) {}

  async list(): Promise<ModelInfo[]> {
    const found = await findModels([path.join(this.ctx.resourcesDir, 'models')]);
    return found.flatMap(({ dir, card }) =>
      card
        ? [
            {
              path: dir,
              name: path.basename(dir),
              engine: card.engine,
              template: card.template.image.file,
              bundled: true,
              ...(typeof card.validation.dice === 'number' ? { meanDice: card.validation.dice } : {}),
            },
          ]
        : [],
    );
  }
}
