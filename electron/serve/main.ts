/** `npm run serve`: browser mode on loopback (see server.ts). */
import path from 'node:path';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { promises as fs } from 'node:fs';
import { AppService } from '../app/app-service.js';
import { startServer } from './server.js';
import { describeError } from '../../core/util/errors.js';
import { AllowedRoots } from '../security/roots.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

const HELP = `npm run serve -- [--root DIR]... [--data DIR]... [--port N] [--state DIR] [--host ADDR --allow-remote]

Serves LabelWarp's interface on http://127.0.0.1 with a random access token in the URL, and runs
registrations in a local engine host. Open the printed URL in a browser.

--root DIR   a folder the interface may read scans and templates from and export results to
             (repeat for several; default: the current folder). Nothing outside these folders
             and the bundled sample data can be read or written through the interface.
--data DIR   a folder the interface may only read (source scans that must never be written
             to); repeat for several. Exports go to --root folders.
--host ADDR --allow-remote   listen on another address (e.g. on a GPU machine viewed from
             elsewhere): anyone with the URL can then use it.
`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      state: { type: 'string' },
      root: { type: 'string', multiple: true },
      data: { type: 'string', multiple: true },
      host: { type: 'string' },
      'allow-remote': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const rendererDir = path.join(ROOT, 'renderer', 'dist');
  if (!(await fs.stat(path.join(rendererDir, 'index.html')).catch(() => undefined))) {
    throw new Error('the interface is not built: run `npm run build` first');
  }
  const stateDir = values.state ?? path.join(os.homedir(), '.labelwarp');
  const resourcesDir = path.join(ROOT, 'resources');
  const roots = new AllowedRoots();
  // Without --root, the current folder is writable, unless --data names the only folders to read.
  for (const dir of values.root ?? (values.data ? [] : [process.cwd()])) await roots.add(dir, true);
  for (const dir of values.data ?? []) await roots.add(dir, false);
  await roots.add(resourcesDir, false);
  const app = new AppService({ stateDir, resourcesDir, roots });
  await app.init();
  const server = await startServer({
    app,
    rendererDir,
    port: values.port ? Number(values.port) : 0,
    host: values.host,
    allowRemote: values['allow-remote'],
  });
  const shown = roots
    .list()
    .map((r) => `  ${r.folder}${r.writable ? '' : ' (read-only)'}`)
    .join('\n');
  process.stdout.write(
    `LabelWarp is serving on loopback. Open:\n  ${server.url}\nIt may read in these folders, and write in those not marked read-only:\n${shown}\n(state in ${stateDir}; Ctrl+C to stop)\n`,
  );
  const stop = async () => {
    await server.close();
    app.dispose();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  return -1;
}

main().then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (err) => {
    process.stderr.write(`labelwarp serve: error: ${describeError(err)}\n`);
    process.exit(1);
  },
);
