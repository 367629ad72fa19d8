/**
 * The typed contract between the user interface and the main process: one table (CONTRACT) of
 * services, each one interface plus one validator per method and the names of its events
 * (core/ipc/services/*.ts). Everything the transports need is derived from it here: the channel
 * list (`service.method`, which the preload allows and nothing else), the event names, request
 * validation, the main process's dispatcher and the renderer's proxy. Pure TypeScript (no Node, no
 * DOM): the renderer bundles it too.
 *
 * A new service: a file under services/ (interface, `defineService` table) and one line in
 * CONTRACT; its implementation `implements` the interface (electron/app/).
 *
 * Transport: in Electron, `ipcRenderer.invoke('<service>.<method>', args)` through the preload,
 * events on `'<service>.<event>'`; in browser mode the same names travel over a WebSocket
 * (electron/serve/), typed arrays in binary frames (frames.ts).
 */
import { ContractError } from './check.js';
import type { ServiceContract } from './table.js';
import { templatesContract } from './services/templates.js';
import { scansContract } from './services/scans.js';
import { jobsContract } from './services/jobs.js';
import { resultsContract } from './services/results.js';
import { systemContract } from './services/system.js';
import { filesContract } from './services/files.js';
import { modelsContract } from './services/models.js';
import { workspaceContract } from './services/workspace.js';
import { trainingContract } from './services/training.js';

export { ContractError } from './check.js';
export type { OptionValue } from './check.js';
export type * from './services/templates.js';
export type * from './services/scans.js';
export type * from './services/jobs.js';
export type * from './services/results.js';
export type * from './services/system.js';
export type * from './services/files.js';
export type * from './services/models.js';
export type * from './services/workspace.js';
export type * from './services/training.js';
export { VIEW_LAYERS } from './services/results.js';

/** The one table behind the app. */
export const CONTRACT = {
  templates: templatesContract,
  scans: scansContract,
  jobs: jobsContract,
  results: resultsContract,
  system: systemContract,
  files: filesContract,
  models: modelsContract,
  workspace: workspaceContract,
  training: trainingContract,
} as const;

type Table = typeof CONTRACT;
type ServiceName = keyof Table & string;

/** Every service's interface, by name: what the main process implements and the renderer calls. */
export type Services = { [K in ServiceName]: Table[K] extends ServiceContract<infer S, unknown> ? S : never };
type EventsOf<K extends ServiceName> = Table[K] extends ServiceContract<unknown, infer E> ? E : never;

/** Every event, `service.onEvent` → payload. */
export type Events = UnionToIntersection<
  { [K in ServiceName]: { [E in keyof EventsOf<K> & string as `${K}.${E}`]: EventsOf<K>[E] } }[ServiceName]
>;
type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void ? { [K in keyof I]: I[K] } : never;

export type LabelWarpApi = Services & {
  on<E extends keyof Events>(event: E, listener: (payload: Events[E]) => void): () => void;
};

const entries = Object.entries(CONTRACT) as [ServiceName, ServiceContract<unknown, unknown>][];

/** Every invokable channel, `service.method`: the preload exposes these and nothing else. */
export const CHANNELS: readonly string[] = entries.flatMap(([s, c]) => Object.keys(c.methods).map((m) => `${s}.${m}`));
export type Channel = string;

/** Every event the main process may send, `service.onEvent`. */
export const EVENTS = entries.flatMap(([s, c]) => Object.keys(c.events).map((e) => `${s}.${e}`)) as (keyof Events)[];

/**
 * Largest message on the wire (browser mode's WebSocket refuses anything longer and closes the
 * connection). Every request the validator accepts fits in it, envelope included.
 */
export const MAX_MESSAGE_BYTES = 1 << 20;
/** Room kept for the envelope around the arguments: `{"id":N,"channel":"…","args":…}`. */
const ENVELOPE_BYTES = 256;
export const MAX_ARGS_BYTES = MAX_MESSAGE_BYTES - ENVELOPE_BYTES;

/** Length in bytes of a request's arguments as JSON in UTF-8 (as the transports send them). */
export function encodedSize(args: unknown): number {
  return new TextEncoder().encode(JSON.stringify(args ?? {})).length;
}

function split(channel: string): [ServiceName, string] | undefined {
  const dot = channel.indexOf('.');
  const service = channel.slice(0, dot);
  const method = channel.slice(dot + 1);
  if (dot < 0 || !Object.hasOwn(CONTRACT, service) || !Object.hasOwn(CONTRACT[service as ServiceName].methods, method)) return undefined;
  return [service as ServiceName, method];
}

/** Checks a request from the user interface; returns the cleaned arguments or throws ContractError. */
export function validateRequest(channel: string, raw: unknown): Record<string, unknown> {
  const target = split(channel);
  if (!target) throw new ContractError(`unknown channel "${channel}"`);
  const size = encodedSize(raw);
  if (size > MAX_ARGS_BYTES)
    throw new ContractError(
      `${channel}: the request is too large (${(size / 2 ** 20).toFixed(1)} MiB, at most ${MAX_ARGS_BYTES} bytes); send fewer paths at a time`,
    );
  const methods = CONTRACT[target[0]].methods as Record<string, (raw: unknown, where: string, key: string) => unknown>;
  return methods[target[1]](raw, channel, 'arguments') as Record<string, unknown>;
}

export type Dispatch = (channel: string, raw: unknown) => Promise<unknown>;

/**
 * The main process's dispatcher: validates a request and calls the implementing method (a method
 * of the table only, never anything else of the implementation objects).
 */
export function createDispatcher(services: Services): Dispatch {
  return async (channel, raw) => {
    const args = validateRequest(channel, raw);
    const [service, method] = split(channel)!;
    const impl = services[service] as unknown as Record<string, (a: unknown) => Promise<unknown>>;
    return impl[method].call(impl, args);
  };
}

/** The renderer's side of a transport. */
export interface Bridge {
  invoke(channel: string, args?: unknown): Promise<unknown>;
  on(event: string, listener: (payload: unknown) => void): () => void;
}

/** The renderer's API: one method per table entry, each a call on the bridge. */
export function createProxy(bridge: Bridge): LabelWarpApi {
  const api: Record<string, unknown> = {
    on: (event: string, listener: (payload: unknown) => void) => bridge.on(event, listener),
  };
  for (const [service, c] of entries) {
    const methods: Record<string, (args?: unknown) => Promise<unknown>> = {};
    for (const m of Object.keys(c.methods)) methods[m] = (args?: unknown) => bridge.invoke(`${service}.${m}`, args ?? {});
    api[service] = methods;
  }
  return api as LabelWarpApi;
}
