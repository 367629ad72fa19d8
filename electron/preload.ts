/**
 * Preload (sandboxed, context-isolated): exposes exactly the contract's channels and events, both
 * derived from the contract table (preload-bridge.ts), nothing else of Electron or Node, as
 * window.labelwarpBridge.
 */
import { contextBridge, ipcRenderer } from 'electron';
import { preloadBridge } from './preload-bridge.js';

contextBridge.exposeInMainWorld('labelwarpBridge', preloadBridge(ipcRenderer as never));
