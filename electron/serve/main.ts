/** `npm run serve`: browser mode on loopback (see server.ts). */
import path from 'node:path';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { promises as fs } from 'node:fs';
import { AppService } from '../app/app-service.js';
import { startServer } from './server.js';
import { describeError } from '../../core/util/errors.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

const HELP = `npm run serve -- [--port N] [--state DIR] [--host ADDR --allow-remote]

Serves LabelWarp's interface on http://127.0.0.1 with a random access token in the URL, and runs
registrations in a local engine host. Open the printed URL in a browser. --host with
--allow-remote listens on another address (e.g. on a GPU machine viewed from elsewhere): anyone
with the URL can then use it.
`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      state: { type: 'string' },
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
  const app = new AppService({ stateDir, resourcesDir: path.join(ROOT, 'resources') });
  await app.init();
  const server = await startServer({
    app,
    rendererDir,
    port: values.port ? Number(values.port) : 0,
    host: values.host,
    allowRemote: values['allow-remote'],
  });
  process.stdout.write(`LabelWarp is serving on loopback. Open:\n  ${server.url}\n(state in ${stateDir}; Ctrl+C to stop)\n`);
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
