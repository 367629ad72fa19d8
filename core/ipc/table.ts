/**
 * The shape of one service's contract table, as VS Code's ProxyChannel derives a channel from a
 * service interface: one validator per method of the interface (the compiler refuses a missing or
 * mistyped entry) and the names of the events the service sends. Everything else (the channel
 * list, the main-process dispatcher, the preload's allow-list, the renderer's proxy) is derived
 * from these tables in contract.ts.
 */
import type { Check } from './check.js';

/** The argument a method takes (an empty object for a method without one). */
export type ArgOf<F> = F extends () => Promise<unknown> ? Record<string, never> : F extends (a: infer A) => Promise<unknown> ? A : never;

export type MethodChecks<S> = { readonly [M in keyof S & string]: Check<ArgOf<S[M]>> };

export interface ServiceContract<S, E> {
  readonly methods: MethodChecks<S>;
  /** Every event of `E`, by name (a record, so the compiler checks that none is missing). */
  readonly events: { readonly [K in keyof E & string]: true };
  /** Carries the types only (never set). */
  readonly types?: { service: S; events: E };
}

/** One service's table: `S` its interface, `E` its events (name → payload). */
export function defineService<S, E = Record<never, never>>(
  methods: MethodChecks<S>,
  events: { readonly [K in keyof E & string]: true },
): ServiceContract<S, E> {
  return { methods, events };
}
