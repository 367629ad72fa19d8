#!/usr/bin/env node
// `npm run serve`: browser mode (see electron/serve/main.ts), run through tsx.
import { register } from 'tsx/esm/api';

register();
await import('../electron/serve/main.ts');
