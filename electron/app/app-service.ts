/**
 * The application behind the user interface, shared by the Electron main process and browser
 * mode: one implementation per service of the contract table (core/ipc/contract.ts), on a shared
 * context (app-context.ts). Requests reach them through `call`, the dispatcher derived from the
 * table, which validates every request first.
 */
import { createDispatcher } from '../../core/ipc/contract.js';
import type { Dispatch, Services } from '../../core/ipc/contract.js';
import { EngineHost } from '../host/engine-host.js';
import { VolumeReader } from '../host/volume-reader.js';
import { AllowedRoots } from '../security/roots.js';
import { AppContext } from './app-context.js';
import type { Picker } from './app-context.js';
import { AppState } from './app-state.js';
import { Templates } from './templates-service.js';
import { Scans } from './scans-service.js';
import { Jobs } from './jobs-service.js';
import { Results } from './results-service.js';
import { System } from './system-service.js';
import { Files } from './files-service.js';
import { Models } from './models-service.js';
import { WorkspaceServiceImpl } from './workspace-service.js';
import { Training } from './training-service.js';
import type { TrainingHost } from '../host/training-host.js';
import path from 'node:path';

export interface AppServiceOptions {
  stateDir: string;
  resourcesDir: string;
  /**
   * What requests may read and write (electron/security/roots.ts); picks in a dialog are added.
   * Default: nothing (only the bundled sample, which requests never name).
   */
  roots?: AllowedRoots;
  host?: EngineHost;
  /** Reads volumes outside this process (defaults to a Node child process). */
  reader?: VolumeReader;
  pick?: Picker;
  /** The app's own workspace folder (trained models, teacher fields, training runs) while no cohort workspace is open; default STATE/workspace. */
  workspace?: string;
  /** Runs trainings (defaults to a Node child process). */
  trainingHost?: TrainingHost;
}

export class AppService {
  readonly ctx: AppContext;
  readonly services: Services & { templates: Templates; system: System; training: Training };
  /** Validates a request against the contract table and calls its method. */
  readonly call: Dispatch;

  constructor(options: AppServiceOptions) {
    this.ctx = new AppContext(
      new AppState(options.stateDir, options.resourcesDir),
      options.roots ?? new AllowedRoots(),
      options.reader ?? new VolumeReader(),
      options.host ?? new EngineHost(),
      options.resourcesDir,
      options.pick,
    );
    const own = options.workspace ?? path.join(options.stateDir, 'workspace');
    const cohort = new WorkspaceServiceImpl(this.ctx);
    // Training and trained models follow the workspace open in the Cohort tab.
    const workspace = () => cohort.root ?? own;
    this.services = {
      templates: new Templates(this.ctx),
      scans: new Scans(this.ctx),
      jobs: new Jobs(this.ctx),
      results: new Results(this.ctx),
      system: new System(this.ctx),
      files: new Files(this.ctx),
      workspace: cohort,
      models: new Models(this.ctx, workspace),
      training: new Training(this.ctx, workspace, options.trainingHost),
    };
    this.call = createDispatcher(this.services);
  }

  get host(): EngineHost {
    return this.ctx.host;
  }

  get training(): Training {
    return this.services.training;
  }

  /** Events for the user interface (`service.onEvent`, payload). */
  on(listener: (event: string, payload: unknown) => void): () => void {
    this.ctx.on('event', listener);
    return () => this.ctx.off('event', listener);
  }

  async init(): Promise<void> {
    await this.ctx.state.load();
    await this.services.templates.addBundled();
    await this.services.training.init();
  }

  dispose(): void {
    this.services.system.dispose();
    this.services.training.dispose();
    this.ctx.host.dispose();
    this.ctx.reader.dispose();
  }
}
