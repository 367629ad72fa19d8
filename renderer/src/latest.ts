/**
 * Keeps only the newest answer of a request that is repeated as its inputs change: an older
 * answer that arrives after a newer one (the model list asked for without a template, then with
 * one) is dropped instead of overwriting it.
 */
export function latestOnly<A extends unknown[], T>(load: (...args: A) => Promise<T>, apply: (value: T) => void): (...args: A) => Promise<void> {
  let issued = 0;
  return async (...args: A) => {
    const ticket = ++issued;
    const value = await load(...args);
    if (ticket === issued) apply(value);
  };
}
