/**
 * The folder of the models that ship with LabelWarp (resources/models/). Computed from this
 * module's location, two levels below the root as the command-line bundle's files are (dist/cli/),
 * so the path is right from the sources and from the bundle alike.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const BUNDLED_MODELS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'resources', 'models');
