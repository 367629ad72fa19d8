/**
 * Helpers for the browser-mode security probes: the server in its own process (server-fixture.ts),
 * contract requests over a WebSocket, and raw WebSocket frames written byte by byte.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { promises as fs } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { WebSocket } from 'ws';
import { rawNifti } from '../helpers/synthetic.js';

const FIXTURE = new URL('./server-fixture.ts', import.meta.url).pathname;

export interface ServerProcess {
  proc: ChildProcess;
  port: number;
  token: string;
  /** Working folder of this server (state, a renderer page). */
  dir: string;
  /** Lines the fixture printed after its first one. */
  nextLine(): Promise<string>;
  alive(): boolean;
  stop(): Promise<void>;
}

/** Starts the server; `roots` are `r:DIR` (read) or `w:DIR` (read and write). */
export async function startServerProcess(roots: string[]): Promise<ServerProcess> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'lw-sec-'));
  const renderer = path.join(dir, 'renderer');
  await fs.mkdir(renderer);
  await fs.writeFile(path.join(renderer, 'index.html'), '<!doctype html><title>LabelWarp</title><p>app</p>');
  const proc = spawn(process.execPath, ['--import', 'tsx', FIXTURE, path.join(dir, 'state'), renderer, ...roots], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines: string[] = [];
  const waiting: ((l: string) => void)[] = [];
  createInterface({ input: proc.stdout! }).on('line', (l) => {
    const w = waiting.shift();
    if (w) w(l);
    else lines.push(l);
  });
  const nextLine = () =>
    new Promise<string>((resolve, reject) => {
      const l = lines.shift();
      if (l !== undefined) return resolve(l);
      waiting.push(resolve);
      proc.once('exit', (code) => reject(new Error(`server process exited (${code})`)));
    });
  const { port, token } = JSON.parse(await nextLine()) as { port: number; token: string };
  return {
    proc,
    port,
    token,
    dir,
    nextLine,
    alive: () => proc.exitCode === null && proc.signalCode === null,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill('SIGTERM');
        await new Promise((r) => proc.once('exit', r));
      }
    },
  };
}

export interface Client {
  ws: WebSocket;
  ask(channel: string, args?: unknown): Promise<{ ok: boolean; result?: unknown; error?: string }>;
  /** Resolves with the first event named `event` whose payload passes `match`. */
  event(event: string, match: (payload: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
  close(): void;
}

export async function connect(port: number, token: string): Promise<Client> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/ws?token=${token}`);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  let nextId = 1;
  const pending = new Map<number, (m: { ok: boolean; result?: unknown; error?: string }) => void>();
  const listeners: ((m: { event: string; payload: Record<string, unknown> }) => void)[] = [];
  ws.on('message', (d, binary) => {
    if (binary) return;
    const m = JSON.parse(String(d));
    if (m.event) for (const l of [...listeners]) l(m);
    else pending.get(m.id)?.(m);
  });
  return {
    ws,
    ask(channel, args = {}) {
      const id = nextId++;
      return new Promise((resolve) => {
        pending.set(id, resolve);
        ws.send(JSON.stringify({ id, channel, args }));
      });
    },
    event(event, match) {
      return new Promise((resolve) => {
        const l = (m: { event: string; payload: Record<string, unknown> }) => {
          if (m.event === event && match(m.payload)) {
            listeners.splice(listeners.indexOf(l), 1);
            resolve(m.payload);
          }
        };
        listeners.push(l);
      });
    },
    close: () => ws.close(),
  };
}

/** One WebSocket frame as a client writes it (masked unless told otherwise). */
export function frame(opts: {
  opcode: number;
  payload: Buffer;
  fin?: boolean;
  rsv1?: boolean;
  masked?: boolean;
  claimedLength?: bigint;
}): Buffer {
  const { opcode, payload } = opts;
  const masked = opts.masked ?? true;
  const first = ((opts.fin ?? true) ? 0x80 : 0) | (opts.rsv1 ? 0x40 : 0) | (opcode & 0x0f);
  const len = opts.claimedLength ?? BigInt(payload.length);
  let header: Buffer;
  if (len < 126n) header = Buffer.from([first, (masked ? 0x80 : 0) | Number(len)]);
  else if (len < 65536n) {
    header = Buffer.alloc(4);
    header[0] = first;
    header[1] = (masked ? 0x80 : 0) | 126;
    header.writeUInt16BE(Number(len), 2);
  } else {
    header = Buffer.alloc(10);
    header[0] = first;
    header[1] = (masked ? 0x80 : 0) | 127;
    header.writeBigUInt64BE(len, 2);
  }
  if (!masked) return Buffer.concat([header, payload]);
  const key = randomBytes(4);
  const body = Buffer.from(payload);
  for (let i = 0; i < body.length; i++) body[i] ^= key[i & 3];
  return Buffer.concat([header, key, body]);
}

/**
 * Opens a WebSocket by hand, writes `bytes` after the handshake, and waits for the server to close
 * the connection. Returns the close code the server sent (undefined if it just dropped the socket).
 */
export async function sendRaw(port: number, token: string, bytes: Buffer, waitMs = 5000): Promise<{ closeCode?: number }> {
  const sock = net.connect(port, '127.0.0.1');
  sock.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    sock.once('connect', () => resolve());
    sock.once('error', reject);
  });
  sock.write(
    `GET /ws?token=${token} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
  );
  let received = Buffer.alloc(0);
  let upgraded = false;
  const closed = new Promise<void>((resolve) => {
    sock.on('close', () => resolve());
    setTimeout(resolve, waitMs);
  });
  await new Promise<void>((resolve, reject) => {
    sock.on('data', (d: Buffer) => {
      received = Buffer.concat([received, d]);
      if (!upgraded) {
        const end = received.indexOf('\r\n\r\n');
        if (end < 0) return;
        if (!received.subarray(0, 12).toString().includes('101'))
          return reject(new Error(`handshake refused: ${received.toString().split('\r\n')[0]}`));
        upgraded = true;
        received = received.subarray(end + 4);
        resolve();
      }
    });
  });
  sock.write(bytes);
  await closed;
  sock.destroy();
  return { closeCode: closeCodeIn(received) };
}

/** The status code of the first close frame among the server's (unmasked) frames. */
function closeCodeIn(bytes: Buffer): number | undefined {
  let at = 0;
  while (at + 2 <= bytes.length) {
    const opcode = bytes[at] & 0x0f;
    let len = bytes[at + 1] & 0x7f;
    let start = at + 2;
    if (len === 126) {
      len = bytes.readUInt16BE(at + 2);
      start += 2;
    } else if (len === 127) {
      len = Number(bytes.readBigUInt64BE(at + 2));
      start += 8;
    }
    if (opcode === 0x8) return len >= 2 && start + 2 <= bytes.length ? bytes.readUInt16BE(start) : undefined;
    at = start + len;
  }
  return undefined;
}

/**
 * A NIfTI header (claiming 1024³ voxels) followed by 80 gzip members of 64 MiB of zeros each:
 * about 5 MB on disk, 5 GiB once decompressed (a gzip stream may hold several members).
 */
export function gzipBomb(): Buffer {
  const header = rawNifti({ dims: [1024, 1024, 1024], datatype: 2, data: new Uint8Array(0), gzip: false });
  const zeros = gzipSync(Buffer.alloc(64 << 20), { level: 9 });
  return Buffer.concat([gzipSync(header), ...Array.from({ length: 80 }, () => zeros)]);
}
