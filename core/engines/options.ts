/**
 * Engine options, declared once: each option's type, default, range and description live in one
 * schema object, built with `option.*`. The same schema types the values an engine receives
 * (`OptionValues<typeof schema>`: `options.delta` is a `number`, no casts), fills in defaults,
 * checks ranges when values come from the command line or the app, and is listed by
 * `labelwarp engines` and the app. Nothing else holds a default.
 */
import { LabelWarpError } from '../util/errors.js';

export type OptionType = 'number' | 'integer' | 'boolean' | 'string' | 'path' | 'number-list';
export type OptionValue = number | boolean | string | number[];

/** One option. `V` is its value type; `D` its default's type (`undefined`: optional, no default). */
export interface OptionSpec<V extends OptionValue = OptionValue, D extends V | undefined = V | undefined> {
  readonly type: OptionType;
  readonly description: string;
  readonly default: D;
  readonly min?: number;
  readonly max?: number;
  /** A number list whose values must not decrease. */
  readonly increasing?: boolean;
}

export type OptionSchema = Record<string, OptionSpec>;

/** The typed, complete options an engine receives for a schema. */
export type OptionValues<S extends OptionSchema> = {
  readonly [K in keyof S]: S[K] extends OptionSpec<infer V, infer D> ? (undefined extends D ? V | undefined : V) : never;
};

interface Range {
  min?: number;
  max?: number;
}

/** Builders: `option.number({ description, default, min, max })` and so on. */
export const option = {
  number: (o: { description: string; default: number } & Range): OptionSpec<number, number> => ({ type: 'number', ...o }),
  integer: (o: { description: string; default: number } & Range): OptionSpec<number, number> => ({ type: 'integer', ...o }),
  numberList: (o: { description: string; default: number[]; increasing?: boolean } & Range): OptionSpec<number[], number[]> => ({
    type: 'number-list',
    ...o,
  }),
  boolean: (o: { description: string; default: boolean }): OptionSpec<boolean, boolean> => ({ type: 'boolean', ...o }),
  string: (o: { description: string; default: string }): OptionSpec<string, string> => ({ type: 'string', ...o }),
  /** A file or folder; optional (no default). */
  path: (o: { description: string }): OptionSpec<string, undefined> => ({ type: 'path', default: undefined, ...o }),
};

/** A shared option (type and range from its home) with an engine's own description and default. */
export function withDefault<V extends OptionValue>(spec: OptionSpec<V, V>, o: { description: string; default: V }): OptionSpec<V, V> {
  return { ...spec, ...o };
}

/** The schema as a list, for listings (`labelwarp engines`, the app's engine menu). */
export function describeOptions(schema: OptionSchema): (OptionSpec & { name: string })[] {
  return Object.entries(schema).map(([name, spec]) => ({ name, ...spec }));
}

/** The defaults of a schema, as the typed values an engine would receive with no options given. */
export function defaultOptions<S extends OptionSchema>(schema: S): OptionValues<S> {
  return parseOptions('defaults', schema, {});
}

/**
 * Checks raw options (strings from the command line, values from the app) against the schema and
 * completes them with the defaults. `owner` names the engine (or trainer) in error messages.
 */
export function parseOptions<S extends OptionSchema>(owner: string, schema: S, raw: Record<string, unknown>): OptionValues<S> {
  const names = Object.keys(schema);
  for (const key of Object.keys(raw)) {
    if (!Object.hasOwn(schema, key)) throw new LabelWarpError(`${owner} has no option "${key}"; options: ${names.join(', ') || 'none'}`);
  }
  const out: Record<string, OptionValue | undefined> = {};
  for (const name of names) {
    const spec = schema[name];
    const value = raw[name];
    out[name] = value === undefined ? copy(spec.default) : coerce(`${owner} option "${name}"`, spec, value);
  }
  return out as OptionValues<S>;
}

function copy(v: OptionValue | undefined): OptionValue | undefined {
  return Array.isArray(v) ? [...v] : v;
}

function coerce(what: string, spec: OptionSpec, raw: unknown): OptionValue {
  const bad = (why: string) => new LabelWarpError(`${what}: ${why}`);
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
      const values = list.map((x) => checkRange(typeof x === 'number' ? x : Number(String(x).trim() === '' ? NaN : x)));
      const drop = spec.increasing ? values.findIndex((v, i) => i > 0 && v < values[i - 1]) : -1;
      if (drop > 0) throw bad(`${values[drop]} follows ${values[drop - 1]}: the values must not decrease`);
      return values;
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
