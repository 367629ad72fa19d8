/**
 * The built-in engines: one line each. Import this module (not registry.ts) before using the
 * registry. A new engine is a folder under core/engines/ exporting its definition, plus one line here.
 */
import { registerEngine, listEngines } from './registry.js';
import { affineEngine } from './affine/index.js';
import { gaussNewtonEngine } from './gn/index.js';
import { studentEngine } from './student/index.js';
import { supervoxelEngine } from './supervoxel/index.js';
import type { EngineDefinition } from './engine.js';

const BUILT_IN: EngineDefinition[] = [
  affineEngine, //
  gaussNewtonEngine,
  studentEngine,
  supervoxelEngine,
];

for (const engine of BUILT_IN) if (!listEngines().some((e) => e.name === engine.name)) registerEngine(engine);

export * from './registry.js';
export { defineEngine } from './engine.js';
export type * from './engine.js';
export { option, describeOptions, defaultOptions } from './options.js';
export { compose } from './compose.js';
