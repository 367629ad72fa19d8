/** `labelwarp engines`: the registered engines, their options and whether they can be trained. */
import { listEngines, describeOptions } from '../engines/index.js';

export const ENGINES_HELP = `labelwarp engines — list registration engines, their descriptions and options

Each engine's options are set with --option key=value (segment, teach); engines marked
"trainable" train a model with 'labelwarp train ENGINE' (see 'labelwarp models').
`;

export async function enginesCommand(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(ENGINES_HELP);
    return 0;
  }
  for (const e of listEngines()) {
    const kind = [e.deformable ? 'deformable' : 'global', ...(e.trainer ? [`trainable: labelwarp train ${e.name}`] : [])];
    process.stdout.write(`${e.name}  —  ${e.description}  [${kind.join('; ')}]\n`);
    for (const o of describeOptions(e.options)) {
      const range = o.min !== undefined || o.max !== undefined ? `, ${o.min ?? '−∞'}…${o.max ?? '∞'}` : '';
      const def = o.default === undefined ? 'none' : JSON.stringify(o.default);
      process.stdout.write(`    --option ${o.name}=…  (${o.type}, default ${def}${range})  ${o.description}\n`);
    }
  }
  return 0;
}
