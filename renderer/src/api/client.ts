/**
 * The renderer's handle on the application: Electron's preload bridge when present, otherwise a
 * WebSocket to the browser-mode server. Either way the API is the proxy derived from the contract
 * table (core/ipc/contract.ts); replies holding typed arrays arrive as binary frames (frames.ts).
 */
import { MAX_MESSAGE_BYTES, createProxy } from '../../../core/ipc/contract';
import type { Bridge, LabelWarpApi } from '../../../core/ipc/contract';
import { decodeMessage } from '../../../core/ipc/frames';

declare global {
  interface Window {
    labelwarpBridge?: Bridge;
  }
}

interface Reply {
  id?: number;
  ok?: boolean;
  result?: unknown;
  error?: string;
  event?: string;
  payload?: unknown;
}

function webSocketBridge(): Bridge {
  const params = new URLSearchParams(location.search);
  const token = params.get('token') ?? '';
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws?token=${encodeURIComponent(token)}`;
  let nextId = 1;
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  const listeners = new Map<string, Set<(p: unknown) => void>>();
  let socket: WebSocket;
  let opened: Promise<void>;
  const connect = () => {
    socket = new WebSocket(url);
    socket.binaryType = 'arraybuffer';
    opened = new Promise((resolve, reject) => {
      socket.onopen = () => resolve();
      socket.onerror = () =>
        reject(new Error('cannot reach the LabelWarp server (is `npm run serve` running, and is the token in the URL?)'));
    });
    socket.onmessage = (e) => {
      const msg = decodeMessage(e.data as string | ArrayBuffer) as Reply;
      if (msg.event) {
        for (const fn of listeners.get(msg.event) ?? []) fn(msg.payload);
        return;
      }
      const p = msg.id === undefined ? undefined : pending.get(msg.id);
      if (!p) return;
      pending.delete(msg.id!);
      if (msg.ok) p.resolve(msg.result);
      else p.reject(new Error(msg.error));
    };
    socket.onclose = () => {
      for (const p of pending.values()) p.reject(new Error('the connection to the LabelWarp server was lost'));
      pending.clear();
    };
  };
  connect();
  return {
    async invoke(channel, args) {
      if (socket.readyState > WebSocket.OPEN) connect();
      await opened;
      const id = nextId++;
      const message = JSON.stringify({ id, channel, args: args ?? {} });
      // The server closes the connection on a longer message; say why here instead.
      const bytes = new TextEncoder().encode(message).length;
      if (bytes > MAX_MESSAGE_BYTES)
        throw new Error(`this request is too large (${(bytes / 2 ** 20).toFixed(1)} MiB, at most 1 MiB): send fewer paths at a time`);
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        socket.send(message);
      });
    },
    on(event, fn) {
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      set.add(fn);
      return () => set!.delete(fn);
    },
  };
}

export const api: LabelWarpApi = createProxy(window.labelwarpBridge ?? webSocketBridge());
export const inElectron = Boolean(window.labelwarpBridge);
