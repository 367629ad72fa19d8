/** The `labelwarp` command line: one entry point dispatching to commands over the same core. */
import { describeError, LabelWarpError } from '../util/errors.js';
import { segmentCommand } from './segment-command.js';
import { demoCommand } from './demo-command.js';
import { benchCommand } from './bench-command.js';
import { trainCommand } from './train-command.js';
import { teachCommand } from './teach-command.js';
import { enginesCommand } from './engines-command.js';
import { modelsCommand } from './models-command.js';
import { initTensorBackend } from '../tensor/backend.js';

export const MAIN_HELP = `labelwarp — one-shot atlas segmentation by registration

Usage: labelwarp COMMAND [options]     (labelwarp COMMAND --help for each)

Commands:
  segment   register a template to a scan and carry its labels onto the scan
  demo      run 'segment' on the bundled sample data and print a table (offline)
  bench     benchmark an engine beside elastix on the shared real scans
  train     train a learned engine (labelwarp train ENGINE; see 'engines' for which)
  teach     export teacher displacement fields for a folder of scans (resumable)
  engines   list the registration engines, their options and which can be trained
  models    list the bundled trained models and those in given folders
  backend   show which TensorFlow.js backend runs here
`;

async function backendCommand(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write('labelwarp backend — print the TensorFlow.js backend selected on this machine\n');
    return 0;
  }
  const b = await initTensorBackend();
  process.stdout.write(`${b.description}\n`);
  return 0;
}

const COMMANDS: Record<string, (args: string[]) => Promise<number>> = {
  segment: segmentCommand,
  demo: demoCommand,
  bench: benchCommand,
  train: trainCommand,
  teach: teachCommand,
  engines: enginesCommand,
  models: modelsCommand,
  backend: backendCommand,
};

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(MAIN_HELP);
    return 0;
  }
  const run = COMMANDS[command];
  try {
    if (!run) throw new LabelWarpError(`unknown command "${command}"; try labelwarp --help`);
    return await run(rest);
  } catch (err) {
    process.stderr.write(`labelwarp ${command}: error: ${describeError(err)}\n`);
    if (process.env.LABELWARP_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
    return 1;
  }
}
