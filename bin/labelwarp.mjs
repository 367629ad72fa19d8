#!/usr/bin/env node
// Runs the TypeScript command line directly through tsx (no build step needed in a clone).
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../core/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
