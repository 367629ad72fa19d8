// Bundles the Electron main process, preload and engine host with esbuild into dist-electron/.
import { build } from 'esbuild';

const external = ['electron', '@tensorflow/*', '@itk-wasm/*', 'itk-wasm', 'ws', 'tsx'];
const common = { bundle: true, platform: 'node', target: 'node22', sourcemap: true, external, logLevel: 'warning' };
await build({ ...common, entryPoints: ['electron/main.ts'], outfile: 'dist-electron/main.mjs', format: 'esm' });
await build({ ...common, entryPoints: ['electron/host/engine-worker.ts'], outfile: 'dist-electron/engine-worker.mjs', format: 'esm' });
await build({ ...common, entryPoints: ['electron/host/reader-worker.ts'], outfile: 'dist-electron/reader-worker.mjs', format: 'esm' });
await build({ ...common, entryPoints: ['electron/host/training-worker.ts'], outfile: 'dist-electron/training-worker.mjs', format: 'esm' });
// The kernel pool's second thread, beside the engine worker that starts it.
await build({ ...common, entryPoints: ['core/parallel/kernel-worker.ts'], outfile: 'dist-electron/kernel-worker.mjs', format: 'esm' });
// Sandboxed preloads must be CommonJS.
await build({ ...common, entryPoints: ['electron/preload.ts'], outfile: 'dist-electron/preload.cjs', format: 'cjs' });
console.log('built dist-electron/ (main.mjs, engine-worker.mjs, reader-worker.mjs, training-worker.mjs, preload.cjs)');
