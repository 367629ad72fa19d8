/**
 * Building blocks of the contract's validators: each `Check<T>` takes an untrusted value from the
 * user interface and returns it cleaned and typed as `T`, or throws a one-line ContractError naming
 * the channel and the argument. Pure TypeScript (the renderer bundles it with the contract).
 */

export class ContractError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ContractError';
  }
}

/** `where`: the channel (and list index) for messages, e.g. `scans.add paths[3]`. */
export type Check<T> = (raw: unknown, where: string, key: string) => T;

const ID = /^[A-Za-z0-9_-]{1,64}$/;

/** A non-empty string of at most 4096 characters, without NUL. */
export const text: Check<string> = (v, where, key) => {
  if (typeof v !== 'string' || v.length === 0 || v.length > 4096 || v.includes('\0'))
    throw new ContractError(`${where}: "${key}" must be a non-empty string`);
  return v;
};

/** An absolute path (POSIX or Windows drive); whether it may be read is the roots' business. */
export const absolutePath: Check<string> = (v, where, key) => {
  const s = text(v, where, key);
  if (!(s.startsWith('/') || /^[A-Za-z]:[\\/]/.test(s))) throw new ContractError(`${where}: "${key}" must be an absolute path`);
  return s;
};

/** An id of the app's own making (letters, digits, `-`, `_`). */
export const id: Check<string> = (v, where, key) => {
  const s = text(v, where, key);
  if (!ID.test(s)) throw new ContractError(`${where}: "${key}" is not a valid id`);
  return s;
};

export const bool: Check<boolean> = (v, where, key) => {
  if (typeof v !== 'boolean') throw new ContractError(`${where}: "${key}" must be true or false`);
  return v;
};

export function oneOf<const T extends string>(values: readonly T[]): Check<T> {
  return (v, where, key) => {
    if (!values.includes(v as T)) throw new ContractError(`${where}: "${key}" must be one of ${values.join(', ')}`);
    return v as T;
  };
}

export function optional<T>(check: Check<T>): Check<T | undefined> {
  return (v, where, key) => (v === undefined ? undefined : check(v, where, key));
}

/** A list of `min` to `max` items, each checked; `noun` names them in the message. */
export function list<T>(item: Check<T>, min: number, max: number, noun: string): Check<T[]> {
  return (v, where, key) => {
    if (!Array.isArray(v) || v.length < min || v.length > max)
      throw new ContractError(`${where}: "${key}" must list ${min} to ${max} ${noun}`);
    return v.map((x, i) => item(x, `${where} ${key}[${i}]`, key));
  };
}

export type OptionValue = string | number | boolean | number[];

/**
 * Engine options as sent: names and value shapes only. Whether the engine has such an option and
 * whether the value fits its type and range is checked against the engine's schema at `jobs.run`.
 */
export const engineOptionValues: Check<Record<string, OptionValue>> = (v, where, key) => {
  const o = plainObject(v, where, key);
  for (const [k, x] of Object.entries(o)) {
    if (!/^[A-Za-z][A-Za-z0-9]{0,40}$/.test(k)) throw new ContractError(`${where}: bad option name "${k}"`);
    const finite = (n: unknown) => typeof n === 'number' && Number.isFinite(n);
    const ok =
      typeof x === 'boolean' ||
      finite(x) ||
      (typeof x === 'string' && x.length <= 4096) ||
      (Array.isArray(x) && x.length > 0 && x.length <= 64 && x.every(finite));
    if (!ok) throw new ContractError(`${where}: option "${k}" has a bad value`);
  }
  return o as Record<string, OptionValue>;
};

function plainObject(v: unknown, where: string, key: string): Record<string, unknown> {
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw new ContractError(`${where}: ${key} must be an object`);
  return v as Record<string, unknown>;
}

type Shape = Record<string, Check<unknown>>;
/** Keys whose check admits undefined become optional properties. */
type Checked<S extends Shape> = {
  [K in keyof S as undefined extends ReturnType<S[K]> ? never : K]: ReturnType<S[K]>;
} & {
  [K in keyof S as undefined extends ReturnType<S[K]> ? K : never]?: ReturnType<S[K]>;
};
type Flat<T> = { [K in keyof T]: T[K] };

/** An object with exactly these keys (missing optional ones left out), each checked. */
export function object<S extends Shape>(shape: S): Check<Flat<Checked<S>>> {
  const keys = Object.keys(shape);
  return (v, where, key) => {
    const o = plainObject(v, where, key);
    for (const k of Object.keys(o)) if (!keys.includes(k)) throw new ContractError(`${where}: unexpected argument "${k}"`);
    const out: Record<string, unknown> = {};
    for (const k of keys) {
      const value = shape[k](o[k], where, k);
      if (value !== undefined) out[k] = value;
    }
    return out as Flat<Checked<S>>;
  };
}

/** A method that takes no arguments. */
export const none = object({});
