#!/usr/bin/env node
// Runs the TypeScript command line directly through tsx (no build step needed in a clone).
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../core/cli/main.ts');
const code = await main(process.argv.slice(2));
// Exit explicitly, after the output has drained: the WebAssembly image readers reset
// process.exitCode when they shut down, which would hide a failure.
const drain = (stream) => new Promise((resolve) => stream.write('', resolve));
await Promise.all([drain(process.stdout), drain(process.stderr)]);
process.exit(code);
