/**
 * The one interface every registration engine implements. Engines are created by name from the
 * registry (registry.ts); the app and the CLI list them from there, so a new engine appears
 * everywhere by registering itself.
 */
import type { Volume } from '../volume/volume.js';
import type { SpatialTransform } from '../registration/transform.js';
import type { ProgressFn } from '../pipeline/progress.js';

export interface RegisterContext {
  signal?: AbortSignal;
  onProgress?: ProgressFn;
}

export interface RegistrationOutput {
  /** Fixed (scan) world → moving (template) world. */
  transform: SpatialTransform;
  /** Problems the user should see next to the result (poor alignment, clipped input, …). */
  warnings: string[];
  /** Engine-specific numbers worth logging (final similarity, iterations, …). */
  details: Record<string, number | string>;
}

export interface RegistrationEngine {
  readonly name: string;
  /** Registers `moving` (template) to `fixed` (scan). */
  register(fixed: Volume, moving: Volume, ctx?: RegisterContext): Promise<RegistrationOutput>;
  /** Frees models and tensors; the engine is unusable afterwards. */
  dispose(): void;
}

export type OptionType = 'number' | 'integer' | 'boolean' | 'string' | 'path' | 'number-list';

export interface EngineOptionSpec {
  name: string;
  type: OptionType;
  description: string;
  default?: number | boolean | string | number[];
  min?: number;
  max?: number;
}

export type EngineOptions = Record<string, number | boolean | string | number[] | undefined>;

export interface EngineDescriptor {
  name: string;
  /** One line for menus and --help. */
  description: string;
  /** Whether it is deformable (produces a dense field) or global. */
  deformable: boolean;
  options: EngineOptionSpec[];
  create(options: EngineOptions): Promise<RegistrationEngine>;
}
