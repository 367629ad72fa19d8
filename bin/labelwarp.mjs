#!/usr/bin/env node
// Runs the command line: the esbuild bundle in dist/cli/ (scripts/build-cli.mjs) while it is
// newer than every source file it was built from, else the TypeScript sources through tsx (no
// build step needed in a clone).
import { statSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bundle = path.join(root, 'dist', 'cli', 'labelwarp.mjs');

/** Newest modification time (ms) of the files under `dir`. */
function newest(dir) {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

function bundleIsFresh() {
  try {
    const built = statSync(bundle).mtimeMs;
    return built > newest(path.join(root, 'core')) && built > statSync(path.join(root, 'package.json')).mtimeMs;
  } catch {
    return false;
  }
}

let main;
if (bundleIsFresh()) ({ main } = await import(pathToFileURL(bundle).href));
else {
  const { register } = await import('tsx/esm/api');
  register();
  // tsx turns on source maps, which makes Node read and parse the maps of every CommonJS package
  // it loads (TensorFlow.js's alone take ~0.7 s); stack traces need them only when debugging.
  if (!process.env.LABELWARP_DEBUG) process.setSourceMapsEnabled(false);
  ({ main } = await import('../core/cli/main.ts'));
}
const code = await main(process.argv.slice(2));
// Exit explicitly, after the output has drained: the WebAssembly image readers reset
// process.exitCode when they shut down, which would hide a failure.
const drain = (stream) => new Promise((resolve) => stream.write('', resolve));
await Promise.all([drain(process.stdout), drain(process.stderr)]);
process.exit(code);
