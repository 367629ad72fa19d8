/**
 * The browser-mode server in a process of its own, as `npm run serve` runs it, for the security
 * probes (a crash must show as a dead process, not as an error inside the test runner).
 *
 *   node --import tsx server-fixture.ts STATE_DIR RENDERER_DIR [r:DIR | w:DIR]...
 *
 * Prints one JSON line {port, token}. Reads commands on stdin: `eld-reset` clears the event-loop
 * delay histogram, `eld` prints {maxMs, p99Ms, meanMs} of the delays since.
 */
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { AppService } from '../../electron/app/app-service.js';
import { startServer } from '../../electron/serve/server.js';
import { AllowedRoots } from '../../electron/security/roots.js';

const [stateDir, rendererDir, ...rootArgs] = process.argv.slice(2);
const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');
const resourcesDir = path.join(ROOT, 'resources');
const roots = new AllowedRoots();
for (const r of rootArgs) await roots.add(r.slice(2), r.startsWith('w:'));
await roots.add(resourcesDir, false);
const app = new AppService({ stateDir, resourcesDir, roots });
await app.init();
const server = await startServer({ app, rendererDir });

const eld = monitorEventLoopDelay({ resolution: 10 });
eld.enable();
createInterface({ input: process.stdin }).on('line', (line) => {
  if (line === 'eld-reset') eld.reset();
  else if (line === 'eld')
    process.stdout.write(JSON.stringify({ maxMs: eld.max / 1e6, p99Ms: eld.percentile(99) / 1e6, meanMs: eld.mean / 1e6 }) + '\n');
});
process.stdout.write(JSON.stringify({ port: server.port, token: server.token }) + '\n');
