/** The system service (core/ipc/services/system.ts): engines, the engine host's status, native pickers. */
import path from 'node:path';
import { listEngines, describeOptions, defaultOptions } from '../../core/engines/index.js';
import type { BackendStatus, EngineInfo, EngineOptionInfo, PickKind, SystemService } from '../../core/ipc/contract.js';
import type { OptionSchema } from '../../core/engines/index.js';
import type { AppContext } from './app-context.js';

/** An option schema as the interface lists it. */
export function optionInfos(schema: OptionSchema): EngineOptionInfo[] {
  return describeOptions(schema).map((o) => ({
    name: o.name,
    type: o.type,
    description: o.description,
    default: o.default,
    min: o.min,
    max: o.max,
  }));
}

export class System implements SystemService {
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly ctx: AppContext) {
    ctx.host.on('status', () => ctx.send('system.onStatus', this.now()));
    this.timer = setInterval(() => ctx.host.poll(), 2000);
    this.timer.unref();
  }

  dispose(): void {
    clearInterval(this.timer);
  }

  async engines(): Promise<EngineInfo[]> {
    return listEngines().map((e) => {
      const model = e.modelFolder?.(defaultOptions(e.options));
      return {
        name: e.name,
        description: e.description,
        deformable: e.deformable,
        options: optionInfos(e.options),
        ...(model ? { defaultModel: path.basename(model) } : {}),
      };
    });
  }

  private now(): BackendStatus {
    const s = this.ctx.host.status();
    return {
      backend: s.backend ?? null,
      device: s.device ?? 'cpu',
      hostMemory: s.rss,
      hostRunning: s.running,
      hostStarting: s.running && !s.backend,
    };
  }

  async status(): Promise<BackendStatus> {
    return this.now();
  }

  async notes(): Promise<string[]> {
    return [...this.ctx.state.notes];
  }

  /** A native dialog (Electron): what the user picks becomes readable (folders also writable). */
  async pick(a: { kind: PickKind; title?: string }): Promise<string[] | null> {
    const picked = this.ctx.pick ? await this.ctx.pick(a.kind, a.title) : null;
    if (picked) await this.ctx.roots.grantPicked(a.kind, picked);
    return picked;
  }
}
