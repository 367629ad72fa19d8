/**
 * The models that ship with LabelWarp (resources/models/). The app's main process names its
 * resources folder in LABELWARP_RESOURCES for the hosts it starts (a packaged app keeps them beside
 * app.asar); otherwise the folder is found from this module's location, two levels below the root
 * as the command-line bundle's files are (dist/cli/), so the path is right from the sources and
 * from the bundle alike. Read when asked, not when imported, so the variable may be set later.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));

/** The folder of the bundled model `name` (e.g. student-hippocampus). */
export function bundledModel(name: string): string {
  const resources = process.env.LABELWARP_RESOURCES || path.resolve(HERE, '..', '..', 'resources');
  return path.join(resources, 'models', name);
}
