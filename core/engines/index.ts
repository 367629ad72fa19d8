/** Registers every built-in engine once; import this module before using the registry. */
import { registerEngine, listEngines } from './registry.js';
import { affineEngine } from './affine-engine.js';

if (!listEngines().some((e) => e.name === affineEngine.name)) registerEngine(affineEngine);

export * from './registry.js';
export type * from './engine.js';
