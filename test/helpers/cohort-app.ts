/**
 * The application service for the cohort tests: the real engine host, whose processes are kept in
 * `procs` (the test hook: a test kills `procs.at(-1)` to crash the host mid-run), reading the
 * hippocampus scans and writing in `tmp`.
 */
import path from 'node:path';
import { AppService } from '../../electron/app/app-service.js';
import { EngineHost, nodeLauncher } from '../../electron/host/engine-host.js';
import type { HostProcess } from '../../electron/host/engine-host.js';
import { AllowedRoots } from '../../electron/security/roots.js';
import { ROOT } from './cli.js';
import { HIPPO } from './cohort.js';

export async function cohortApp(tmp: string): Promise<{ app: AppService; procs: HostProcess[] }> {
  const roots = new AllowedRoots();
  await roots.add(HIPPO, false);
  await roots.add(tmp, true);
  const procs: HostProcess[] = [];
  const launch = nodeLauncher();
  const host = new EngineHost(() => {
    const p = launch();
    procs.push(p);
    return p;
  });
  const app = new AppService({ stateDir: path.join(tmp, 'state'), resourcesDir: path.join(ROOT, 'resources'), roots, host });
  await app.init();
  return { app, procs };
}
