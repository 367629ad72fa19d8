/**
 * Preload (sandboxed, context-isolated): exposes exactly the contract's channels and events,
 * nothing else of Electron or Node, as window.labelwarpBridge.
 */
import { contextBridge, ipcRenderer } from 'electron';
import type { IpcRendererEvent } from 'electron';
import { CHANNELS, EVENTS } from '../core/ipc/contract.js';

const channels = new Set<string>(CHANNELS);
const events = new Set<string>(EVENTS);

contextBridge.exposeInMainWorld('labelwarpBridge', {
  invoke(channel: string, args?: unknown): Promise<unknown> {
    if (!channels.has(channel)) return Promise.reject(new Error(`channel not allowed: ${channel}`));
    return ipcRenderer.invoke(channel, args ?? {});
  },
  on(event: string, listener: (payload: unknown) => void): () => void {
    if (!events.has(event)) throw new Error(`event not allowed: ${event}`);
    const wrapped = (_e: IpcRendererEvent, payload: unknown) => listener(payload);
    ipcRenderer.on(event, wrapped);
    return () => ipcRenderer.removeListener(event, wrapped);
  },
});
