/**
 * Browser mode: serves the renderer on loopback with a random token in the URL and bridges the
 * same contract to the same application (and engine host) over a WebSocket. Connections without
 * the token are refused; it listens beyond loopback only when asked with allowRemote.
 *
 * WebSocket messages: request {id, channel, args} (text only) → reply {id, ok, result | error};
 * events {event, payload}. Replies and events that hold typed arrays (a viewer's volume) travel as
 * one binary frame, whatever the channel (core/ipc/frames.ts).
 */
import http from 'node:http';
import { promises as fs } from 'node:fs';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { WebSocketServer } from 'ws';
import type { WebSocket } from 'ws';
import { ContractError, MAX_MESSAGE_BYTES } from '../../core/ipc/contract.js';
import { encodeMessage } from '../../core/ipc/frames.js';
import { describeError } from '../../core/util/errors.js';
import type { AppService } from '../app/app-service.js';
import { securityHeaders } from '../security/csp.js';
import { contentType, staticFile } from '../security/static-files.js';
import { LOOPBACK, hostAllowed, originAllowed, ownOrigin } from './origin.js';
import { guardUpgradeSocket, guardWebSocket, refuseUpgrade } from './ws-guard.js';

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

function sameToken(a: string | null | undefined, b: string): boolean {
  if (!a) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The cookie carries the port in its name: cookies are shared between ports, names are not. */
function cookieName(port: number): string {
  return `lw_token_${port}`;
}

function cookieToken(req: http.IncomingMessage, port: number): string | undefined {
  const m = new RegExp(`(?:^|;\\s*)${cookieName(port)}=([A-Za-z0-9_-]+)`).exec(req.headers.cookie ?? '');
  return m?.[1];
}

export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  const allowRemote = options.allowRemote === true;
  if (!LOOPBACK.has(host) && !allowRemote) throw new Error(`refusing to listen on ${host} without allowRemote (use --allow-remote)`);
  const token = options.token ?? randomBytes(24).toString('base64url');
  const app = options.app;
  const root = options.rendererDir;
  let port = 0;

  const server = http.createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', 'http://localhost');
      // DNS-rebinding guard: only our own host names when bound to loopback.
      if (!hostAllowed(req, allowRemote)) {
        res.writeHead(403, { 'content-type': 'text/plain' }).end('forbidden host');
        return;
      }
      const authorised = sameToken(url.searchParams.get('token'), token) || sameToken(cookieToken(req, port), token);
      if (!authorised) {
        res
          .writeHead(401, { 'content-type': 'text/plain' })
          .end('LabelWarp: open the URL printed by `npm run serve` (it carries the access token).');
        return;
      }
      const file = staticFile(root, url.pathname);
      if (file === 'bad-request' || file === 'forbidden') {
        res
          .writeHead(file === 'bad-request' ? 400 : 403, { 'content-type': 'text/plain' })
          .end(file === 'bad-request' ? 'bad request' : 'forbidden');
        return;
      }
      const body = await fs.readFile(file).catch(() => undefined);
      if (!body) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
        return;
      }
      // connect-src: 'self' covers the socket in current browsers; the explicit ws:// origin covers the rest.
      const own = ownOrigin(req);
      const headers: Record<string, string> = {
        ...securityHeaders(own ? [own.replace(/^http:/, 'ws:')] : []),
        'content-type': contentType(file),
        'cache-control': 'no-store',
      };
      if (file.endsWith('index.html')) headers['set-cookie'] = `${cookieName(port)}=${token}; HttpOnly; SameSite=Strict; Path=/`;
      res.writeHead(200, headers).end(body);
    } catch (err) {
      // Never the exception's text: it may hold paths or content.
      process.stderr.write(`labelwarp serve: ${describeError(err)}\n`);
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('internal error');
    }
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
  server.on('upgrade', (req, socket, head) => {
    guardUpgradeSocket(socket);
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      refuseUpgrade(socket, 400, 'bad request');
      return;
    }
    if (url.pathname !== '/ws' || !hostAllowed(req, allowRemote)) {
      refuseUpgrade(socket, 403, 'forbidden');
      return;
    }
    if (!originAllowed(req)) {
      refuseUpgrade(socket, 403, 'cross-origin WebSocket refused');
      return;
    }
    if (!(sameToken(url.searchParams.get('token'), token) || sameToken(cookieToken(req, port), token))) {
      refuseUpgrade(socket, 401, 'token required');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });

  const sockets = new Set<WebSocket>();
  const offEvents = app.on((event, payload) => {
    const msg = encodeMessage({ event, payload });
    for (const ws of sockets) if (ws.readyState === ws.OPEN) ws.send(msg);
  });

  wss.on('connection', (ws: WebSocket) => {
    guardWebSocket(ws);
    sockets.add(ws);
    ws.on('close', () => sockets.delete(ws));
    ws.on('message', async (raw, isBinary) => {
      let id: unknown = null;
      try {
        if (isBinary) throw new ContractError('binary requests are not accepted');
        const msg = JSON.parse(raw.toString()) as { id?: unknown; channel?: unknown; args?: unknown };
        id = typeof msg.id === 'number' ? msg.id : null;
        if (typeof msg.id !== 'number' || typeof msg.channel !== 'string')
          throw new ContractError('a request needs a numeric id and a channel');
        const result = await app.call(msg.channel, msg.args);
        ws.send(encodeMessage({ id, ok: true, result }));
      } catch (err) {
        ws.send(JSON.stringify({ id, ok: false, error: describeError(err) }));
      }
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  port = (server.address() as { port: number }).port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${port}/?token=${token}`,
    token,
    port,
    async close() {
      offEvents();
      for (const ws of sockets) ws.terminate();
      wss.close();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
