/**
 * What the services of the application share: the persisted state (templates and scans), the
 * allowed folders, the volume reader and engine host processes, and the event channel to the user
 * interface. Each service (electron/app/*-service.ts) implements one interface of the contract
 * table (core/ipc/contract.ts) on top of it.
 */
import { EventEmitter } from 'node:events';
import { randomBytes } from 'node:crypto';
import type { Events } from '../../core/ipc/contract.js';
import type { EngineHost } from '../host/engine-host.js';
import type { VolumeReader } from '../host/volume-reader.js';
import type { AllowedRoots } from '../security/roots.js';
import type { PickKind } from '../../core/ipc/contract.js';
import type { AppState } from './app-state.js';

export const newId = (prefix: string) => `${prefix}-${randomBytes(5).toString('hex')}`;

export type Picker = (kind: PickKind, title?: string) => Promise<string[] | null>;

export class AppContext extends EventEmitter<{ event: [keyof Events, unknown] }> {
  constructor(
    readonly state: AppState,
    readonly roots: AllowedRoots,
    readonly reader: VolumeReader,
    readonly host: EngineHost,
    readonly resourcesDir: string,
    readonly pick?: Picker,
  ) {
    super();
  }

  get stateDir(): string {
    return this.state.dir;
  }

  /** Sends an event of the contract to the user interface. */
  send<E extends keyof Events>(event: E, payload: Events[E]): void {
    this.emit('event', event, payload);
  }

  /** Saves the state and tells the interface the scan list changed. */
  async scansChanged(): Promise<void> {
    await this.state.save();
    this.send('scans.onChanged', this.state.scans);
  }
}
