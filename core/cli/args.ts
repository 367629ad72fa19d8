import { parseArgs } from 'node:util';
import type { ParseArgsConfig } from 'node:util';
import { LabelWarpError } from '../util/errors.js';

export type OptionsConfig = NonNullable<ParseArgsConfig['options']>;

/** Strict parsing with a one-line error naming the offending flag. */
export interface Parsed {
  values: Record<string, string | boolean | string[] | boolean[] | undefined>;
  positionals: string[];
}

export function parse(args: string[], options: OptionsConfig, allowPositionals = false): Parsed {
  try {
    const r = parseArgs({ args, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals, strict: true });
    return { values: r.values as Parsed['values'], positionals: r.positionals };
  } catch (err) {
    throw new LabelWarpError((err as Error).message.split('\n')[0].replace(/^TypeError \[\w+\]: /, ''));
  }
}

export function required(values: Record<string, unknown>, name: string): string {
  const v = values[name];
  if (typeof v !== 'string' || v === '') throw new LabelWarpError(`--${name} is required (see --help)`);
  return v;
}

/** `--option key=value` pairs into an object. */
export function keyValues(list: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of (list as string[] | undefined) ?? []) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new LabelWarpError(`--option expects key=value, got "${item}"`);
    out[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return out;
}
