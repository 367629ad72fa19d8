/** System: engines, the engine host's status, native pickers and the application menu. */
import { none, object, oneOf, optional, text } from '../check.js';
import { defineService } from '../table.js';

export interface EngineOptionInfo {
  name: string;
  type: string;
  description: string;
  default?: unknown;
  min?: number;
  max?: number;
}

export interface EngineInfo {
  name: string;
  description: string;
  deformable: boolean;
  options: EngineOptionInfo[];
  /** The folder name of the bundled model a run loads when no model is chosen; absent: none. */
  defaultModel?: string;
}

export interface BackendStatus {
  /** The TensorFlow.js backend of the engine host; null while no host has started yet. */
  backend: string | null;
  device: 'gpu' | 'cpu';
  /** Engine host resident memory in bytes (null while no host runs). */
  hostMemory: number | null;
  hostRunning: boolean;
  /** A host is starting (a job was submitted, the host has not said it is ready). */
  hostStarting: boolean;
}

export type PickKind = 'file' | 'files' | 'folder';

/** What the application menu asks the interface to do. */
export interface MenuAction {
  action: 'add-scans';
}

export interface SystemService {
  engines(): Promise<EngineInfo[]>;
  status(): Promise<BackendStatus>;
  /** What the app had to say when it started (a saved state it could not read and moved aside). */
  notes(): Promise<string[]>;
  /** Native folder/file pickers (Electron only; browser mode answers null and uses files.list). */
  pick(args: { kind: PickKind; title?: string }): Promise<string[] | null>;
}

export interface SystemEvents {
  onStatus: BackendStatus;
  onMenu: MenuAction;
}

export const systemContract = defineService<SystemService, SystemEvents>(
  {
    engines: none,
    status: none,
    notes: none,
    pick: object({ kind: oneOf(['file', 'files', 'folder'] as const), title: optional(text) }),
  },
  { onStatus: true, onMenu: true },
);
