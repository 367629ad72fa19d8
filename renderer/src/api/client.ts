/**
 * The renderer's handle on the application: Electron's preload bridge when present, otherwise a
 * WebSocket to the browser-mode server (same contract, core/ipc/contract.ts).
 */
import { MAX_MESSAGE_BYTES } from '../../../core/ipc/contract';
import type { Channel, Events, LabelWarpApi, VolumePayload } from '../../../core/ipc/contract';

type Invoke = (channel: Channel, args?: unknown) => Promise<unknown>;
type Subscribe = (event: keyof Events, fn: (payload: unknown) => void) => () => void;

interface Bridge {
  invoke: Invoke;
  on: Subscribe;
}

declare global {
  interface Window {
    labelwarpBridge?: Bridge;
  }
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
      socket.onerror = () => reject(new Error('cannot reach the LabelWarp server (is `npm run serve` running, and is the token in the URL?)'));
    });
    socket.onmessage = (e) => {
      if (e.data instanceof ArrayBuffer) {
        const view = new DataView(e.data);
        const len = view.getUint32(0, true);
        const header = JSON.parse(new TextDecoder().decode(new Uint8Array(e.data, 4, len)));
        const bytes = e.data.slice(4 + len);
        const meta = header.meta;
        const data = meta.type === 'uint16' ? new Uint16Array(bytes) : new Float32Array(bytes);
        pending.get(header.id)?.resolve({ ...meta, data } as VolumePayload);
        pending.delete(header.id);
        return;
      }
      const msg = JSON.parse(e.data as string);
      if (msg.event) {
        for (const fn of listeners.get(msg.event) ?? []) fn(msg.payload);
        return;
      }
      const p = pending.get(msg.id);
      if (!p) return;
      pending.delete(msg.id);
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

function makeApi(bridge: Bridge): LabelWarpApi {
  const call =
    <T>(channel: Channel) =>
    (args?: unknown) =>
      bridge.invoke(channel, args) as Promise<T>;
  return {
    templates: { list: call('templates.list'), import: call('templates.import'), labelNames: call('templates.labelNames') },
    scans: { list: call('scans.list'), add: call('scans.add'), addFolder: call('scans.addFolder'), setReference: call('scans.setReference'), remove: call('scans.remove') },
    jobs: { run: call('jobs.run'), cancel: call('jobs.cancel') },
    results: { labels: call('results.labels'), volume: call('results.volume'), export: call('results.export') },
    system: { engines: call('system.engines'), status: call('system.status'), pick: call('system.pick') },
    on: (event, listener) => bridge.on(event, listener as (p: unknown) => void),
  } as LabelWarpApi;
}

export const api: LabelWarpApi = makeApi(window.labelwarpBridge ?? webSocketBridge());
export const inElectron = Boolean(window.labelwarpBridge);
