/** `labelwarp models [DIR…]`: the bundled models and those in the given folders. */
import path from 'node:path';
import { promises as fs } from 'node:fs';
import { findModels } from '../models/catalog.js';
import { formatTable } from './table.js';
import { RESOURCES } from './sample-data.js';
import { LabelWarpError } from '../util/errors.js';
import { dirs } from '../workspace/layout.js';
import { openWorkspace } from '../workspace/workspace.js';

export const MODELS_HELP = `labelwarp models — list trained models

Usage: labelwarp models [--workspace W] [DIR …]

Lists the bundled models (resources/models), the models in workspace W (W/models: trained
in the app's training screen, or copied there by cohort runs) and the model folders in each DIR
(a model folder itself, or a folder of them): engine, template it was trained for, subjects,
validation Dice, backend, training time and date. Use one with: labelwarp segment … --engine ENGINE --model DIR
`;

export async function modelsCommand(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(MODELS_HELP);
    return 0;
  }
  const folders: string[] = [];
  for (let i = 0; i < args.length; i++) {
    let dir = args[i];
    if (dir === '--workspace' || dir.startsWith('--workspace=')) {
      const w = dir === '--workspace' ? args[++i] : dir.slice('--workspace='.length);
      if (!w) throw new LabelWarpError('--workspace needs a folder');
      dir = dirs.models((await openWorkspace(w)).root);
    } else if (dir.startsWith('-')) throw new LabelWarpError(`unknown option "${dir}" (see --help)`);
    else if (!(await fs.stat(dir).catch(() => undefined))?.isDirectory()) throw new LabelWarpError('not a folder', dir);
    folders.push(dir);
  }
  const found = await findModels([path.join(RESOURCES, 'models'), ...folders]);
  const rows = found.map((m) => {
    const where = path.relative(process.cwd(), m.dir) || '.';
    if (!m.card) return [where, '—', `unreadable: ${m.error}`, '', '', '', '', ''];
    const c = m.card;
    const seconds = c.training.seconds === null ? 'n/a' : `${(c.training.seconds / 60).toFixed(0)} min`;
    return [
      where,
      c.engine,
      c.template.image.file,
      `${c.subjects.training.length} / ${c.subjects.validation.length}`,
      c.validation.dice === null ? 'n/a' : c.validation.dice.toFixed(3),
      c.training.backend,
      seconds,
      c.training.savedAt?.slice(0, 10) ?? '',
    ];
  });
  if (rows.length === 0) {
    process.stdout.write('no models found\n');
    return 0;
  }
  process.stdout.write(
    formatTable(['model', 'engine', 'template', 'train / val subjects', 'val Dice', 'backend', 'training', 'date'], rows) + '\n',
  );
  return 0;
}
