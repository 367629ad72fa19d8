import { parseArgs } from 'node:util';
import type { ParseArgsConfig } from 'node:util';
import { LabelWarpError } from '../util/errors.js';

export type OptionsConfig = NonNullable<ParseArgsConfig['options']>;

/** Strict parsing with a one-line error naming the offending flag. */
export interface Parsed {
  values: Record<string, string | boolean | string[] | boolean[] | undefined>;
  positionals: string[];
}

/**
 * Strict parsing. A flag that takes one value and is given twice is an error (node's parseArgs
 * would silently keep the last one, e.g. only the last of two `--scan`s).
 */
export function parse(args: string[], options: OptionsConfig, allowPositionals = false): Parsed {
  let r;
  try {
    r = parseArgs({ args, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals, strict: true, tokens: true });
  } catch (err) {
    throw new LabelWarpError((err as Error).message.split('\n')[0].replace(/^TypeError \[\w+\]: /, ''));
  }
  const counts = new Map<string, number>();
  for (const t of r.tokens) if (t.kind === 'option') counts.set(t.name, (counts.get(t.name) ?? 0) + 1);
  for (const [name, n] of counts) {
    if (n > 1 && !options[name]?.multiple && options[name]?.type === 'string') {
      throw new LabelWarpError(`--${name} was given ${n} times but takes one value`);
    }
  }
  return { values: r.values as Parsed['values'], positionals: r.positionals };
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

/**
 * The template's flags: `--template-image` and `--template-labels`, with the older
 * `--atlas-image` and `--atlas-labels` kept as aliases (one word, template, everywhere else).
 */
export const TEMPLATE_FLAGS: OptionsConfig = {
  'template-image': { type: 'string' },
  'template-labels': { type: 'string' },
  'atlas-image': { type: 'string' },
  'atlas-labels': { type: 'string' },
};

/** The value of `--template-<which>` or its alias `--atlas-<which>`; both given must agree. */
export function templateFlag(values: Record<string, unknown>, which: 'image' | 'labels', optional = false): string | undefined {
  const main = values[`template-${which}`];
  const alias = values[`atlas-${which}`];
  if (typeof main === 'string' && typeof alias === 'string' && main !== alias)
    throw new LabelWarpError(`--template-${which} and its alias --atlas-${which} name different files; give one`);
  const v = typeof main === 'string' ? main : alias;
  if (typeof v === 'string' && v !== '') return v;
  if (optional) return undefined;
  throw new LabelWarpError(`--template-${which} is required (see --help)`);
}
