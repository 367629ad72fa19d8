/**
 * The models service (core/ipc/services/models.ts): the trained models bundled in the app's
 * resources and those in the current workspace (W/models: trained on the training screen).
 */
import path from 'node:path';
import { findModels } from '../../core/models/catalog.js';
import { fileSha256 } from '../../core/models/model-format.js';
import { dirs } from '../../core/workspace/layout.js';
import { getTemplate, openWorkspace } from '../../core/workspace/workspace.js';
import type { ModelInfo, ModelsService } from '../../core/ipc/contract.js';
import type { AppContext } from './app-context.js';

export class Models implements ModelsService {
  constructor(
    private readonly ctx: AppContext,
    /** The workspace whose trained models are listed (the Cohort tab's, else the app's own). */
    private readonly workspace: () => string,
  ) {}

  async list(a: { templateId?: string; from?: 'workspace' | 'app' } = {}): Promise<ModelInfo[]> {
    const bundled = path.join(this.ctx.resourcesDir, 'models');
    const found = await findModels([bundled, dirs.models(this.workspace())]);
    const sha = !a.templateId
      ? undefined
      : a.from === 'workspace'
        ? (await getTemplate(await openWorkspace(this.workspace()), a.templateId)).image.sha256
        : await fileSha256(this.ctx.state.template(a.templateId).image);
    return found.flatMap(({ dir, card }) =>
      card
        ? [
            {
              path: dir,
              name: path.basename(dir),
              engine: card.engine,
              template: card.template.image.file,
              bundled: dir.startsWith(bundled + path.sep),
              ...(typeof card.validation.dice === 'number' ? { meanDice: card.validation.dice } : {}),
              ...(sha === undefined ? {} : { forTemplate: card.template.image.sha256 === sha }),
              trainingSubjects: card.subjects.training.length,
              validationSubjects: card.subjects.validation.length,
              backend: card.training.backend,
              seconds: card.training.seconds,
              date: card.training.savedAt ?? null,
            },
          ]
        : [],
    );
  }
}
