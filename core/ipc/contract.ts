/**
 * The typed contract between the user interface and the main process, one interface per service.
 * Both sides import these types; the main process validates every request with `validateRequest`
 * before acting. Pure TypeScript (no Node, no DOM): the renderer bundles it too.
 *
 * Transport: in Electron, `ipcRenderer.invoke('<service>.<method>', args)` through the preload's
 * allow-list, events on `'<service>.<event>'`; in browser mode the same names travel over a
 * WebSocket (see electron/serve/).
 */

export interface VolumeInfo {
  dims: [number, number, number];
  spacing: [number, number, number];
  /** The file stores no position or orientation (NIfTI without qform/sform): the grid was guessed. */
  geometryGuessed?: boolean;
}

export interface TemplateSummary {
  id: string;
  name: string;
  image: string;
  labels: string;
  labelCount: number;
  info: VolumeInfo;
  /** Credit shown next to bundled data. */
  credit?: string;
  /** PNG data URL of the middle axial slice. */
  thumbnail: string;
}

export type ScanStatus = 'new' | 'queued' | 'running' | 'done' | 'failed' | 'cancelled';

export interface ScanSummary {
  id: string;
  name: string;
  image: string;
  referenceLabels?: string;
  info: VolumeInfo;
  status: ScanStatus;
  /** Reason of the last failure. */
  error?: string;
  /** Latest result for this scan, when one exists. */
  result?: ResultSummary;
}

export interface ResultSummary {
  jobId: string;
  engine: string;
  templateId: string;
  meanDice?: number;
  seconds: number;
  warnings: string[];
  folder: string;
}

export interface EngineOptionInfo {
  name: string;
  type: string;
  description: string;
  default?: unknown;
}

export interface EngineInfo {
  name: string;
  description: string;
  deformable: boolean;
  options: EngineOptionInfo[];
}

export interface BackendStatus {
  backend: string;
  device: 'gpu' | 'cpu';
  /** Engine host resident memory in bytes (null while no host runs). */
  hostMemory: number | null;
  hostRunning: boolean;
}

export interface JobProgress {
  jobId: string;
  scanId: string;
  stage: string;
  fraction: number;
  message?: string;
  /** Overall fraction of the run this job belongs to. */
  runFraction: number;
}

export interface JobDone {
  jobId: string;
  scanId: string;
  status: 'done' | 'failed' | 'cancelled';
  error?: string;
  result?: ResultSummary;
}

export interface LabelRow {
  label: number;
  name: string;
  dice: number;
  hd95: number | null;
  volumeMm3: number;
}

/** Volumes for the viewers, on the scan's grid. */
export type ViewLayer = 'scan' | 'labels' | 'reference' | 'warped' | 'jacobian' | 'grid';

export interface VolumePayload {
  dims: [number, number, number];
  spacing: [number, number, number];
  origin: [number, number, number];
  /** Row-major, columns are the index axes (LPS). */
  direction: number[];
  /** 'float32' or 'uint16'. */
  type: 'float32' | 'uint16';
  data: Float32Array | Uint16Array;
}

export interface TemplatesService {
  list(): Promise<TemplateSummary[]>;
  import(args: { image: string; labels: string; names?: string; name?: string }): Promise<TemplateSummary>;
  labelNames(args: { templateId: string }): Promise<Record<string, string>>;
}

export interface ScansService {
  list(): Promise<ScanSummary[]>;
  add(args: { paths: string[] }): Promise<{ added: ScanSummary[]; errors: string[] }>;
  addFolder(args: { folder: string }): Promise<{ added: ScanSummary[]; errors: string[] }>;
  setReference(args: { scanId: string; labels: string }): Promise<ScanSummary>;
  remove(args: { scanId: string }): Promise<void>;
}

export interface JobsService {
  run(args: {
    templateId: string;
    scanIds: string[];
    engine: string;
    options?: Record<string, string | number | boolean>;
  }): Promise<{ jobIds: string[] }>;
  cancel(args: { jobId?: string; all?: boolean }): Promise<void>;
}

export interface ResultsService {
  labels(args: { scanId: string }): Promise<LabelRow[]>;
  volume(args: { scanId: string; layer: ViewLayer }): Promise<VolumePayload>;
  export(args: { scanId: string; folder: string }): Promise<{ files: string[] }>;
}

export interface SystemService {
  engines(): Promise<EngineInfo[]>;
  status(): Promise<BackendStatus>;
  /** Native folder/file pickers (Electron only; browser mode answers null). */
  pick(args: { kind: 'file' | 'files' | 'folder'; title?: string }): Promise<string[] | null>;
}

export interface Events {
  'jobs.onProgress': JobProgress;
  'jobs.onDone': JobDone;
  'system.onStatus': BackendStatus;
  'scans.onChanged': ScanSummary[];
}

export interface LabelWarpApi {
  templates: TemplatesService;
  scans: ScansService;
  jobs: JobsService;
  results: ResultsService;
  system: SystemService;
  on<E extends keyof Events>(event: E, listener: (payload: Events[E]) => void): () => void;
}

/** Every invokable channel, `service.method`: the preload exposes these and nothing else. */
export const CHANNELS = [
  'templates.list',
  'templates.import',
  'templates.labelNames',
  'scans.list',
  'scans.add',
  'scans.addFolder',
  'scans.setReference',
  'scans.remove',
  'jobs.run',
  'jobs.cancel',
  'results.labels',
  'results.volume',
  'results.export',
  'system.engines',
  'system.status',
  'system.pick',
] as const;
export type Channel = (typeof CHANNELS)[number];

export const EVENTS = ['jobs.onProgress', 'jobs.onDone', 'system.onStatus', 'scans.onChanged'] as const;

export class ContractError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ContractError';
  }
}

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

const ID = /^[A-Za-z0-9_-]{1,64}$/;
const LAYERS: ViewLayer[] = ['scan', 'labels', 'reference', 'warped', 'jacobian', 'grid'];

function obj(x: unknown, channel: string): Record<string, unknown> {
  if (x === undefined || x === null) return {};
  if (typeof x !== 'object' || Array.isArray(x)) throw new ContractError(`${channel}: arguments must be an object`);
  return x as Record<string, unknown>;
}

function str(o: Record<string, unknown>, key: string, channel: string, optional = false): string | undefined {
  const v = o[key];
  if (v === undefined && optional) return undefined;
  if (typeof v !== 'string' || v.length === 0 || v.length > 4096 || v.includes('\0'))
    throw new ContractError(`${channel}: "${key}" must be a non-empty string`);
  return v;
}

function path(o: Record<string, unknown>, key: string, channel: string, optional = false): string | undefined {
  const v = str(o, key, channel, optional);
  if (v !== undefined && !(v.startsWith('/') || /^[A-Za-z]:[\\/]/.test(v)))
    throw new ContractError(`${channel}: "${key}" must be an absolute path`);
  return v;
}

function id(o: Record<string, unknown>, key: string, channel: string): string {
  const v = str(o, key, channel)!;
  if (!ID.test(v)) throw new ContractError(`${channel}: "${key}" is not a valid id`);
  return v;
}

function onlyKeys(o: Record<string, unknown>, keys: string[], channel: string) {
  for (const k of Object.keys(o)) if (!keys.includes(k)) throw new ContractError(`${channel}: unexpected argument "${k}"`);
}

/** Checks a request from the user interface; returns the cleaned arguments or throws ContractError. */
export function validateRequest(channel: string, raw: unknown): Record<string, unknown> {
  if (!(CHANNELS as readonly string[]).includes(channel)) throw new ContractError(`unknown channel "${channel}"`);
  const o = obj(raw, channel);
  const size = encodedSize(o);
  if (size > MAX_ARGS_BYTES)
    throw new ContractError(
      `${channel}: the request is too large (${(size / 2 ** 20).toFixed(1)} MiB, at most ${MAX_ARGS_BYTES} bytes); send fewer paths at a time`,
    );
  switch (channel as Channel) {
    case 'templates.list':
    case 'scans.list':
    case 'system.engines':
    case 'system.status':
      onlyKeys(o, [], channel);
      return {};
    case 'templates.import':
      onlyKeys(o, ['image', 'labels', 'names', 'name'], channel);
      return {
        image: path(o, 'image', channel),
        labels: path(o, 'labels', channel),
        names: path(o, 'names', channel, true),
        name: str(o, 'name', channel, true),
      };
    case 'templates.labelNames':
      onlyKeys(o, ['templateId'], channel);
      return { templateId: id(o, 'templateId', channel) };
    case 'scans.add': {
      onlyKeys(o, ['paths'], channel);
      const paths = o.paths;
      if (!Array.isArray(paths) || paths.length === 0 || paths.length > 1000)
        throw new ContractError(`${channel}: "paths" must be a list of 1 to 1000 paths`);
      return { paths: paths.map((p, i) => path({ p }, 'p', `${channel} paths[${i}]`)) };
    }
    case 'scans.addFolder':
      onlyKeys(o, ['folder'], channel);
      return { folder: path(o, 'folder', channel) };
    case 'scans.setReference':
      onlyKeys(o, ['scanId', 'labels'], channel);
      return { scanId: id(o, 'scanId', channel), labels: path(o, 'labels', channel) };
    case 'scans.remove':
      onlyKeys(o, ['scanId'], channel);
      return { scanId: id(o, 'scanId', channel) };
    case 'jobs.run': {
      onlyKeys(o, ['templateId', 'scanIds', 'engine', 'options'], channel);
      const scanIds = o.scanIds;
      if (!Array.isArray(scanIds) || scanIds.length === 0 || scanIds.length > 1000)
        throw new ContractError(`${channel}: "scanIds" must list 1 to 1000 scans`);
      const options = obj(o.options, channel);
      for (const [k, v] of Object.entries(options)) {
        if (!/^[A-Za-z][A-Za-z0-9]{0,40}$/.test(k)) throw new ContractError(`${channel}: bad option name "${k}"`);
        if (
          !['string', 'number', 'boolean'].includes(typeof v) ||
          (typeof v === 'number' && !Number.isFinite(v)) ||
          (typeof v === 'string' && v.length > 4096)
        ) {
          throw new ContractError(`${channel}: option "${k}" has a bad value`);
        }
      }
      return {
        templateId: id(o, 'templateId', channel),
        scanIds: scanIds.map((s, i) => id({ s }, 's', `${channel} scanIds[${i}]`)),
        engine: id(o, 'engine', channel),
        options,
      };
    }
    case 'jobs.cancel':
      onlyKeys(o, ['jobId', 'all'], channel);
      if (o.all !== undefined && typeof o.all !== 'boolean') throw new ContractError(`${channel}: "all" must be true or false`);
      return { jobId: o.jobId === undefined ? undefined : id(o, 'jobId', channel), all: o.all === true };
    case 'results.labels':
      onlyKeys(o, ['scanId'], channel);
      return { scanId: id(o, 'scanId', channel) };
    case 'results.volume': {
      onlyKeys(o, ['scanId', 'layer'], channel);
      const layer = o.layer as ViewLayer;
      if (!LAYERS.includes(layer)) throw new ContractError(`${channel}: "layer" must be one of ${LAYERS.join(', ')}`);
      return { scanId: id(o, 'scanId', channel), layer };
    }
    case 'results.export':
      onlyKeys(o, ['scanId', 'folder'], channel);
      return { scanId: id(o, 'scanId', channel), folder: path(o, 'folder', channel) };
    case 'system.pick': {
      onlyKeys(o, ['kind', 'title'], channel);
      if (!['file', 'files', 'folder'].includes(o.kind as string))
        throw new ContractError(`${channel}: "kind" must be file, files or folder`);
      return { kind: o.kind, title: str(o, 'title', channel, true) };
    }
  }
}
