/**
 * Browser mode inside the test process, for tests that run no registration: a temporary folder
 * with a renderer page, the application (its engine host refuses to start) and the server.
 */
import { promises as fs } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AppService } from '../../electron/app/app-service.js';
import { startServer } from '../../electron/serve/server.js';
import type { RunningServer } from '../../electron/serve/server.js';
import { hostlessApp } from './app.js';

const ROOT = path.resolve(new URL('../..', import.meta.url).pathname);
export const RESOURCES = path.join(ROOT, 'resources');

export interface TestServer {
  app: AppService;
  server: RunningServer;
  /** The temporary folder: renderer/ (unless one was given), state/, and whatever `prepare` made. */
  dir: string;
  rendererDir: string;
  close(): Promise<void>;
}

export interface TestServerOptions {
  /** Files of the renderer folder (default: an index.html). */
  pages?: Record<string, string>;
  /** Serve this folder (e.g. the built interface) instead of `pages`. */
  rendererDir?: string;
  /** Allowed folders as [folder, writable] (default: the temporary folder, writable). */
  roots?: (dir: string) => [string, boolean][];
  /** Runs before the application starts (e.g. to write an earlier session's state). */
  prepare?: (dir: string, stateDir: string) => Promise<void>;
}

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'lw-server-'));
  const rendererDir = options.rendererDir ?? path.join(dir, 'renderer');
  const stateDir = path.join(dir, 'state');
  if (!options.rendererDir) {
    await fs.mkdir(rendererDir);
    for (const [name, text] of Object.entries(options.pages ?? { 'index.html': '<!doctype html><title>LabelWarp</title>' }))
      await fs.writeFile(path.join(rendererDir, name), text);
  }
  await options.prepare?.(dir, stateDir);
  const app = await hostlessApp(stateDir, options.roots?.(dir) ?? [[dir, true]]);
  await app.init();
  const server = await startServer({ app, rendererDir });
  return {
    app,
    server,
    dir,
    rendererDir,
    async close() {
      await server.close();
      app.dispose();
    },
  };
}

export function httpGet(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers }, (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
      })
      .on('error', reject);
  });
}
