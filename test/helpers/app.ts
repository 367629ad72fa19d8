/** An application service for tests that never start an engine host (the host refuses to start). */
import path from 'node:path';
import { AppService } from '../../electron/app/app-service.js';
import { EngineHost } from '../../electron/host/engine-host.js';
import { AllowedRoots } from '../../electron/security/roots.js';
import { ROOT } from './cli.js';

/** `roots`: the folders the app may read (and write, where true); none when left out. */
export async function hostlessApp(stateDir: string, roots: [string, boolean][] = []): Promise<AppService> {
  const allowed = new AllowedRoots();
  for (const [folder, writable] of roots) await allowed.add(folder, writable);
  return new AppService({
    stateDir,
    resourcesDir: path.join(ROOT, 'resources'),
    roots: allowed,
    host: new EngineHost(() => {
      throw new Error('no host in this test');
    }),
  });
}
