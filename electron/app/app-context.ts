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
import { describeError } from '../../core/util/errors.js';

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

  /** Saves the state and tells the interface the scan list changed (also when the save fails, which then throws). */
  async scansChanged(): Promise<void> {
    try {
      await this.state.save();
    } finally {
      this.send('scans.onChanged', this.state.scans);
    }
  }

  /**
   * As scansChanged, but a failed save is reported on the console instead of thrown: for event
   * handlers, which must neither leave a rejection unhandled nor keep the interface from hearing.
   */
  async scansChangedSafely(): Promise<void> {
    await this.scansChanged().catch((err: unknown) =>
      console.error(`LabelWarp: the app's state could not be saved: ${describeError(err)}`),
    );
  }
}
