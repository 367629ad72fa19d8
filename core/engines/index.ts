/** Registers every built-in engine once; import this module before using the registry. */
import { registerEngine, listEngines } from './registry.js';
import { affineEngine } from './affine-engine.js';
import { gaussNewtonEngine } from './gn-engine.js';

for (const engine of [affineEngine, gaussNewtonEngine]) {
  if (!listEngines().some((e) => e.name === engine.name)) registerEngine(engine);
}

export * from './registry.js';
export type * from './engine.js';
