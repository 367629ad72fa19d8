/**
 * Browser mode: serves the renderer on loopback with a random token in the URL and bridges the
 * same contract to the same application (and engine host) over a WebSocket. Connections without
 * the token are refused; it listens beyond loopback only when asked with allowRemote.
 *
 * WebSocket messages: request {id, channel, args} → reply {id, ok, result | error}; events
 * {event, payload}. Volumes (results.volume) come back as one binary frame: 4-byte little-endian
 * header length, the JSON header {id, ok, meta}, then the voxel bytes.
 */
import http from 'node:http';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { WebSocketServer } from 'ws';
import type { WebSocket } from 'ws';
import { validateRequest, ContractError } from '../../core/ipc/contract.js';
import type { VolumePayload } from '../../core/ipc/contract.js';
import { describeError } from '../../core/util/errors.js';
import type { AppService } from '../app/app-service.js';

export interface ServeOptions {
  app: AppService;
  rendererDir: string;
  port?: number;
  host?: string;
  allowRemote?: boolean;
  token?: string;
}

export interface RunningServer {
  url: string;
  token: string;
  port: number;
  close(): Promise<void>;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

function sameToken(a: string | null | undefined, b: string): boolean {
  if (!a) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function cookieToken(req: http.IncomingMessage): string | undefined {
  const m = /(?:^|;\s*)lw_token=([A-Za-z0-9_-]+)/.exec(req.headers.cookie ?? '');
  return m?.[1];
}

export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  if (!LOOPBACK.has(host) && !options.allowRemote)
    throw new Error(`refusing to listen on ${host} without allowRemote (use --allow-remote)`);
  const token = options.token ?? randomBytes(24).toString('base64url');
  const app = options.app;
  const root = path.resolve(options.rendererDir);

  const server = http.createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', 'http://localhost');
      // DNS-rebinding guard: only our own host names when bound to loopback.
      const hostHeader = (req.headers.host ?? '').replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
      if (!options.allowRemote && !LOOPBACK.has(hostHeader)) {
        res.writeHead(403).end('forbidden host');
        return;
      }
      const authorised = sameToken(url.searchParams.get('token'), token) || sameToken(cookieToken(req), token);
      if (!authorised) {
        res
          .writeHead(401, { 'content-type': 'text/plain' })
          .end('LabelWarp: open the URL printed by `npm run serve` (it carries the access token).');
        return;
      }
      let rel = decodeURIComponent(url.pathname);
      if (rel === '/' || rel === '') rel = '/index.html';
      const file = path.resolve(root, '.' + rel);
      if (!file.startsWith(root + path.sep)) {
        res.writeHead(403).end('forbidden');
        return;
      }
      const body = await fs.readFile(file).catch(() => undefined);
      if (!body) {
        res.writeHead(404).end('not found');
        return;
      }
      const headers: Record<string, string> = {
        'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream',
        'x-content-type-options': 'nosniff',
        'cache-control': 'no-store',
        'cross-origin-opener-policy': 'same-origin',
        'cross-origin-embedder-policy': 'require-corp',
      };
      if (rel === '/index.html') headers['set-cookie'] = `lw_token=${token}; HttpOnly; SameSite=Strict; Path=/`;
      res.writeHead(200, headers).end(body);
    } catch (err) {
      res.writeHead(500).end(describeError(err));
    }
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: 1 << 20 });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const hostHeader = (req.headers.host ?? '').replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
    const ok =
      url.pathname === '/ws' &&
      (sameToken(url.searchParams.get('token'), token) || sameToken(cookieToken(req), token)) &&
      (options.allowRemote || LOOPBACK.has(hostHeader));
    if (!ok) {
      socket.write('HTTP/1.1 401 Unauthorized\r\n\r\n');
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });

  const sockets = new Set<WebSocket>();
  const onEvent = (event: string, payload: unknown) => {
    const msg = JSON.stringify({ event, payload });
    for (const ws of sockets) if (ws.readyState === ws.OPEN) ws.send(msg);
  };
  app.on('event', onEvent);

  wss.on('connection', (ws: WebSocket) => {
    sockets.add(ws);
    ws.on('close', () => sockets.delete(ws));
    ws.on('message', async (raw, isBinary) => {
      let id: unknown = null;
      try {
        if (isBinary) throw new ContractError('binary requests are not accepted');
        const msg = JSON.parse(raw.toString()) as { id?: unknown; channel?: unknown; args?: unknown };
        id = msg.id;
        if (typeof msg.id !== 'number' || typeof msg.channel !== 'string')
          throw new ContractError('a request needs a numeric id and a channel');
        const args = validateRequest(msg.channel, msg.args);
        const result = await app.call(msg.channel, args);
        if (msg.channel === 'results.volume') {
          const v = result as VolumePayload;
          const header = Buffer.from(
            JSON.stringify({
              id,
              ok: true,
              meta: { dims: v.dims, spacing: v.spacing, origin: v.origin, direction: v.direction, type: v.type },
            }),
          );
          const len = Buffer.alloc(4);
          len.writeUInt32LE(header.length);
          ws.send(Buffer.concat([len, header, Buffer.from(v.data.buffer, v.data.byteOffset, v.data.byteLength)]));
        } else ws.send(JSON.stringify({ id, ok: true, result }));
      } catch (err) {
        ws.send(JSON.stringify({ id, ok: false, error: describeError(err) }));
      }
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${port}/?token=${token}`,
    token,
    port,
    async close() {
      app.off('event', onEvent);
      for (const ws of sockets) ws.terminate();
      wss.close();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
