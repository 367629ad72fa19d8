// Starts kernel-worker.ts in a worker thread when LabelWarp runs from source (through tsx).
import { register } from 'tsx/esm/api';

register();
await import('./kernel-worker.ts');
