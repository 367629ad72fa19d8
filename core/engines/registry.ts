/**
 * The engine registry: every engine definition, by name. The CLI (`segment`, `teach`, `train`,
 * `engines`, `bench`), the engine host and the app create and list engines only through here.
 */
import { LabelWarpError } from '../util/errors.js';
import { initTensorBackend, NO_TENSOR_BACKEND } from '../tensor/backend.js';
import type { BackendInfo } from '../tensor/backend.js';
import { parseOptions } from './options.js';
import type { OptionSchema, OptionValues } from './options.js';
import type { EngineDefinition, RegistrationStep, TrainInputs, TrainSummary } from './engine.js';

const engines = new Map<string, EngineDefinition>();

/** Adds an engine (core/engines/index.ts registers the built-in ones; a plugin or test may add more). */
export function registerEngine(definition: EngineDefinition): void {
  if (engines.has(definition.name)) throw new Error(`engine "${definition.name}" is already registered`);
  engines.set(definition.name, definition);
}

export function listEngines(): EngineDefinition[] {
  return [...engines.values()];
}

export function getEngineDefinition(name: string): EngineDefinition {
  const d = engines.get(name);
  if (!d) throw new LabelWarpError(`unknown engine "${name}"; available: ${[...engines.keys()].join(', ')}`);
  return d;
}

/** Checks and completes options against the engine's schema (defaults filled in). */
export function engineOptions(definition: EngineDefinition, raw: Record<string, unknown>): OptionValues<OptionSchema> {
  return parseOptions(`engine "${definition.name}"`, definition.options, raw);
}

/**
 * Creates an engine by name, after selecting the best tensor backend where the engine uses tensors
 * with these options (every caller gets it; engines on typed-array kernels alone load no TensorFlow.js).
 */
export async function createEngine(name: string, options: Record<string, unknown> = {}): Promise<RegistrationStep> {
  const d = getEngineDefinition(name);
  const values = engineOptions(d, options);
  await backendOf(d, values);
  return d.create(values);
}

/**
 * The tensor backend a run of this engine with these options computes on (selected on first use),
 * or NO_TENSOR_BACKEND where it computes on typed-array kernels alone: what its results record.
 */
export function tensorBackendFor(name: string, options: Record<string, unknown> = {}): Promise<BackendInfo> {
  const d = getEngineDefinition(name);
  return backendOf(d, engineOptions(d, options));
}

function backendOf(d: EngineDefinition, values: OptionValues<OptionSchema>): Promise<BackendInfo> {
  return (d.usesTensors?.(values) ?? true) ? initTensorBackend() : Promise.resolve(NO_TENSOR_BACKEND);
}

export function trainableEngines(): EngineDefinition[] {
  return listEngines().filter((e) => e.trainer);
}

/** Runs an engine's trainer (`labelwarp train ENGINE`), after selecting the best tensor backend. */
export async function trainEngine(name: string, inputs: TrainInputs, options: Record<string, unknown>): Promise<TrainSummary> {
  const d = getEngineDefinition(name);
  if (!d.trainer) {
    const names = trainableEngines().map((e) => e.name);
    throw new LabelWarpError(`engine "${name}" cannot be trained; trainable: ${names.join(', ') || 'none'}`);
  }
  const values = parseOptions(`train ${name}`, d.trainer.options, options);
  await initTensorBackend();
  return d.trainer.train(inputs, values);
}
