// Bundles the command line with esbuild into dist/cli/ (code split, so each command loads only its
// own modules). bin/labelwarp.mjs runs the bundle while it is newer than every source file, and
// the TypeScript sources through tsx otherwise. dist/cli/ sits two levels below the root, as
// core/cli/ does, so paths computed from a module's location stay the same.
import { build } from 'esbuild';
import { requireCommonJs } from './require-commonjs.mjs';

// LABELWARP_CLI_OUT: another folder two levels below the root (the tests build one of their own).
const CLI_OUT = process.env.LABELWARP_CLI_OUT ?? 'dist/cli';

await build({
  entryPoints: { labelwarp: 'core/cli/main.ts', 'kernel-worker': 'core/parallel/kernel-worker.ts' },
  outdir: CLI_OUT,
  outExtension: { '.js': '.mjs' },
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning',
  plugins: [requireCommonJs(['@tensorflow/tfjs'])],
});
console.log(`built ${CLI_OUT}/ (labelwarp.mjs, kernel-worker.mjs)`);
