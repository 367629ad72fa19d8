/**
 * What the preload exposes, as a function of Electron's ipcRenderer (so that a test can check it
 * without Electron): the contract's channels and events, both derived from the contract table,
 * and nothing else.
 */
import { CHANNELS, EVENTS } from '../core/ipc/contract.js';
import type { Bridge } from '../core/ipc/contract.js';

/** The part of Electron's ipcRenderer the bridge uses. */
export interface IpcLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: (event: unknown, payload: unknown) => void): unknown;
  removeListener(channel: string, listener: (event: unknown, payload: unknown) => void): unknown;
}

export function preloadBridge(ipc: IpcLike): Bridge {
  const channels = new Set<string>(CHANNELS);
  const events = new Set<string>(EVENTS);
  return {
    invoke(channel: string, args?: unknown): Promise<unknown> {
      if (!channels.has(channel)) return Promise.reject(new Error(`channel not allowed: ${channel}`));
      return ipc.invoke(channel, args ?? {});
    },
    on(event: string, listener: (payload: unknown) => void): () => void {
      if (!events.has(event)) throw new Error(`event not allowed: ${event}`);
      const wrapped = (_e: unknown, payload: unknown) => listener(payload);
      ipc.on(event, wrapped);
      return () => void ipc.removeListener(event, wrapped);
    },
  };
}
