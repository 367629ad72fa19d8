/**
 * What a registration engine is. A *step* registers the template (moving) to a scan (fixed) and
 * returns a transform; steps compose (compose.ts), so an engine is often a composition, e.g.
 * `gn` = compose(affine, Gauss-Newton). An engine *definition* declares its options once (a typed
 * schema, options.ts), creates steps, estimates a run's memory, and may train a model. The
 * registry (registry.ts) holds the definitions; the CLI, the engine host and the app list and
 * create engines only through it, so a new engine appears everywhere by one registry line.
 */
import type { Grid, Volume } from '../volume/volume.js';
import type { SpatialTransform } from '../registration/transform.js';
import type { ProgressFn } from '../pipeline/progress.js';
import type { OptionSchema, OptionValues } from './options.js';

export type { OptionType, OptionSpec, OptionSchema, OptionValues } from './options.js';

export interface RegisterContext {
  signal?: AbortSignal;
  onProgress?: ProgressFn;
  /** The template image's file, when it came from one (learned engines check their model against it). */
  templateFile?: string;
  /**
   * The mapping already applied to `moving` (its world → the original template's world), set by
   * compose() for a second step; absent: `moving` is the template itself. Engines that carry
   * data of the original template (a learned model's template maps) use it.
   */
  pre?: SpatialTransform;
}

export interface RegistrationOutput {
  /** Fixed (scan) world → moving (template) world. */
  transform: SpatialTransform;
  /** Problems the user should see next to the result (poor alignment, clipped input, …). */
  warnings: string[];
  /** Engine-specific numbers worth logging (final similarity, iterations, …). */
  details: Record<string, number | string>;
}

/** One registration step (an engine is a step, possibly composed of others). */
export interface RegistrationStep {
  readonly name: string;
  /** Registers `moving` (template) to `fixed` (scan). */
  register(fixed: Volume, moving: Volume, ctx?: RegisterContext): Promise<RegistrationOutput>;
  /** Frees models and tensors; the step is unusable afterwards. */
  dispose(): void;
}

export type RegistrationEngine = RegistrationStep;

/** The grids of a run, for estimates made before reading any voxel. */
export interface RunGrids {
  fixed: Grid;
  moving: Grid;
}

/** Common inputs of every trainer: the template, the training scans and the model folder. */
export interface TrainInputs {
  templateImage: string;
  templateLabels: string;
  scansDir: string;
  scanLabelsDir?: string;
  outDir: string;
  resume: boolean;
  signal?: AbortSignal;
  onProgress?: ProgressFn;
  /** One line of training log for the user. */
  log(line: string): void;
  /** Where teacher fields are cached (a workspace's cache, shared by trainings for one template and teacher). */
  teacherDir?: string;
  /** After every step: its loss and loss terms (core/training/ draws curves and times steps from these). */
  onStep?(step: TrainStepEvent): void;
  /** After every validation: the score and the seconds it took. */
  onValidation?(validation: TrainValidationEvent): void;
  /** Awaited before every step: a paused run waits here (a rejection stops the training). */
  atStepBoundary?(): Promise<void>;
  /** After each subject is read and prepared (pre-aligned, resampled) before the first step: `done` of `total`, and its seconds. */
  onPrepared?(prepared: { done: number; total: number; seconds: number }): void;
  /** After every checkpoint written: the seconds it took. */
  onCheckpoint?(checkpoint: { iteration: number; seconds: number }): void;
}

export interface TrainStepEvent {
  /** 1-based number of the step just done, out of `iterations`. */
  iteration: number;
  iterations: number;
  /** `loss` and its terms. */
  terms: Record<string, number>;
  seconds: number;
}

export interface TrainValidationEvent {
  iteration: number;
  /** Mean validation Dice. */
  dice: number;
  seconds: number;
  subjects: number;
}

export interface TrainSummary {
  /** One line for the user (best validation score, where the model is). */
  summary: string;
  modelDir: string;
}

/** Training a learned engine: `labelwarp train ENGINE` runs this. */
export interface EngineTrainer<T extends OptionSchema = OptionSchema> {
  /** What is trained, a few lines for `labelwarp train ENGINE --help`. */
  readonly help: string;
  /** Training options (`--kebab-case` flags on the command line), declared like engine options. */
  readonly options: T;
  train(inputs: TrainInputs, options: OptionValues<T>): Promise<TrainSummary>;
  /**
   * The registration whose fields the trainer learns from, where it needs one (the student's gn
   * teacher): the training-run controller runs it as its own stage into `inputs.teacherDir`.
   */
  teacher?(options: OptionValues<T>): { engine: string; options: Record<string, unknown> };
  /** The labelled scans (sorted by name) that need the teacher's fields; all of them where absent. */
  teacherSubjects?<S>(options: OptionValues<T>, labelled: readonly S[]): S[];
  /**
   * Steps after which the cost of a step repeats, where steps differ (the student's discriminator
   * update every `criticEvery` steps): the time estimate's warm-up times a whole cycle.
   */
  stepCycle?(options: OptionValues<T>): number;
}

export interface EngineDefinition<S extends OptionSchema = OptionSchema, T extends OptionSchema = OptionSchema> {
  readonly name: string;
  /** One line for menus and --help. */
  readonly description: string;
  /** Whether it is deformable (produces a dense field) or global. */
  readonly deformable: boolean;
  readonly options: S;
  /**
   * Whether a step with these options computes with tensors (TensorFlow.js); absent: always. The
   * registry selects the tensor backend before creating such a step, and loads no TensorFlow.js for
   * the others.
   */
  usesTensors?(options: OptionValues<S>): boolean;
  /**
   * The trained model folder a step with these options loads (the bundled default where the options
   * name none), for the result's provenance; absent, or undefined for these options: no model.
   */
  modelFolder?(options: OptionValues<S>): string | undefined;
  /** Creates a step with these (complete, checked) options; the tensor backend is initialised first where it uses tensors. */
  create(options: OptionValues<S>): Promise<RegistrationStep>;
  /** Bytes a run needs at its peak (the engine's own arrays; the pipeline adds its own). */
  estimateMemory(grids: RunGrids, options: OptionValues<S>): number;
  /** Present on learned engines. */
  readonly trainer?: EngineTrainer<T>;
}

/** Declares an engine; only here for type inference (options typed from the schema). */
export function defineEngine<S extends OptionSchema, T extends OptionSchema = OptionSchema>(
  definition: EngineDefinition<S, T>,
): EngineDefinition<S, T> {
  return definition;
}
