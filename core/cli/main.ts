/** The `labelwarp` command line: one entry point dispatching to commands over the same core. */
import { describeError, LabelWarpError } from '../util/errors.js';

export const MAIN_HELP = `labelwarp — carry a labelled template's labels onto new scans by registration (one-shot segmentation)

Usage: labelwarp COMMAND [options]     (labelwarp COMMAND --help for each)

Commands:
  segment   register a template to a scan and carry its labels onto the scan
  demo      run 'segment' on the bundled sample data and print a table (offline)
  bench     benchmark an engine beside elastix on the shared real scans
  train     train a learned engine (labelwarp train ENGINE; see 'engines' for which)
  cohort    batch label transfer into a workspace (run, summary, status; --shard for clusters)
  teach     export teacher displacement fields for a folder of scans (resumable)
  engines   list the registration engines, their options and which can be trained
  models    list the bundled trained models and those in given folders
  backend   show which TensorFlow.js backend and ONNX Runtime run here
`;

async function backendCommand(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(
      'labelwarp backend — print the TensorFlow.js backend selected on this machine and the ONNX Runtime the student uses\n',
    );
    return 0;
  }
  const { initTensorBackend } = await import('../tensor/backend.js');
  const b = await initTensorBackend();
  process.stdout.write(`${b.description}\n`);
  const { onnxRuntimeDescription } = await import('../engines/cnn-runtime.js');
  process.stdout.write(`student network: ${onnxRuntimeDescription()}\n`);
  return 0;
}

// Each command's module is loaded only when that command runs, so starting (and --help) stays quick.
const COMMANDS: Record<string, (args: string[]) => Promise<number>> = {
  segment: async (a) => (await import('./segment-command.js')).segmentCommand(a),
  demo: async (a) => (await import('./demo-command.js')).demoCommand(a),
  bench: async (a) => (await import('./bench-command.js')).benchCommand(a),
  train: async (a) => (await import('./train-command.js')).trainCommand(a),
  teach: async (a) => (await import('./teach-command.js')).teachCommand(a),
  cohort: async (a) => (await import('./cohort-command.js')).cohortCommand(a),
  engines: async (a) => (await import('./engines-command.js')).enginesCommand(a),
  models: async (a) => (await import('./models-command.js')).modelsCommand(a),
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
