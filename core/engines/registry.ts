import { LabelWarpError } from '../util/errors.js';
import type { EngineDescriptor, EngineOptions, EngineOptionSpec, RegistrationEngine } from './engine.js';

const engines = new Map<string, EngineDescriptor>();

export function registerEngine(descriptor: EngineDescriptor): void {
  if (engines.has(descriptor.name)) throw new Error(`engine "${descriptor.name}" is already registered`);
  engines.set(descriptor.name, descriptor);
}

export function listEngines(): EngineDescriptor[] {
  return [...engines.values()];
}

export function getEngineDescriptor(name: string): EngineDescriptor {
  const d = engines.get(name);
  if (!d) throw new LabelWarpError(`unknown engine "${name}"; available: ${[...engines.keys()].join(', ')}`);
  return d;
}

/** Checks and completes options against the engine's specification (defaults filled in). */
export function validateEngineOptions(descriptor: EngineDescriptor, options: Record<string, unknown>): EngineOptions {
  const out: EngineOptions = {};
  const specs = new Map(descriptor.options.map((s) => [s.name, s]));
  for (const key of Object.keys(options)) {
    if (!specs.has(key)) {
      throw new LabelWarpError(
        `engine "${descriptor.name}" has no option "${key}"; options: ${descriptor.options.map((s) => s.name).join(', ') || 'none'}`,
      );
    }
  }
  for (const spec of descriptor.options) {
    const raw = options[spec.name];
    out[spec.name] = raw === undefined ? spec.default : coerceOption(descriptor.name, spec, raw);
  }
  return out;
}

function coerceOption(engine: string, spec: EngineOptionSpec, raw: unknown): number | boolean | string | number[] {
  const bad = (why: string) => new LabelWarpError(`engine "${engine}" option "${spec.name}": ${why}`);
  const checkRange = (v: number) => {
    if (!Number.isFinite(v)) throw bad(`"${String(raw)}" is not a number`);
    if (spec.type === 'integer' && !Number.isInteger(v)) throw bad(`${v} is not an integer`);
    if (spec.min !== undefined && v < spec.min) throw bad(`${v} is below the minimum ${spec.min}`);
    if (spec.max !== undefined && v > spec.max) throw bad(`${v} is above the maximum ${spec.max}`);
    return v;
  };
  switch (spec.type) {
    case 'number':
    case 'integer':
      return checkRange(typeof raw === 'number' ? raw : Number(String(raw).trim() === '' ? NaN : raw));
    case 'number-list': {
      const list = Array.isArray(raw) ? raw : String(raw).split(',');
      if (list.length === 0) throw bad('empty list');
      return list.map((x) => checkRange(Number(x)));
    }
    case 'boolean':
      if (typeof raw === 'boolean') return raw;
      if (raw === 'true' || raw === '1') return true;
      if (raw === 'false' || raw === '0') return false;
      throw bad(`"${String(raw)}" is not true or false`);
    case 'string':
    case 'path':
      if (typeof raw !== 'string' || raw.length === 0 || raw.length > 4096) throw bad('expected a non-empty string');
      return raw;
  }
}

export async function createEngine(name: string, options: Record<string, unknown> = {}): Promise<RegistrationEngine> {
  const d = getEngineDescriptor(name);
  return d.create(validateEngineOptions(d, options));
}
