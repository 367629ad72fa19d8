/**
 * Composition of registration steps, as ICON's TwoStepRegistration: compose(a, b) registers with
 * `a`, warps the template by a's transform onto the scan's grid, registers that warped template
 * with `b`, and returns the one transform x ↦ T_a(T_b(x)) (scan world → template world). Warnings,
 * details and progress of both steps are merged. Affine pre-alignment is a step like any other:
 * a deformable engine gets it by composing, and running a step twice is compose(s, s').
 */
import { gridOf } from '../volume/volume.js';
import type { Volume } from '../volume/volume.js';
import { sampleAtCoordinates } from '../kernels/resample.js';
import { CompositeTransform, sourceIndexCoordinates } from '../registration/transform.js';
import type { SpatialTransform } from '../registration/transform.js';
import { subProgress } from '../pipeline/progress.js';
import { throwIfAborted } from '../util/errors.js';
import type { RegisterContext, RegistrationOutput, RegistrationStep } from './engine.js';

export interface ComposeOptions {
  /** Share of the progress bar given to the first step (default: half). */
  split?: number;
  /** Name of the composite (default "a+b"). */
  name?: string;
}

/** The template resampled (trilinear) onto the scan's grid through `t` (scan world → template world). */
export function warpOntoFixed(moving: Volume, fixed: Volume, t: SpatialTransform): Volume<Float32Array> {
  return sampleAtCoordinates(moving, fixed, sourceIndexCoordinates(fixed, moving, t), 'linear') as Volume<Float32Array>;
}

/** Flattens nested composites so that compose(compose(a, b), c) gives one flat list of transforms. */
function parts(t: SpatialTransform): SpatialTransform[] {
  return t instanceof CompositeTransform ? t.transforms : [t];
}

export function compose(a: RegistrationStep, b: RegistrationStep, options: ComposeOptions = {}): RegistrationStep {
  const split = options.split ?? 0.5;
  return {
    name: options.name ?? `${a.name}+${b.name}`,
    async register(fixed: Volume, moving: Volume, ctx: RegisterContext = {}): Promise<RegistrationOutput> {
      const first = await a.register(fixed, moving, { ...ctx, onProgress: subProgress(ctx.onProgress, 0, split) });
      throwIfAborted(ctx.signal);
      const warped = { ...warpOntoFixed(moving, fixed, first.transform), ...gridOf(fixed) };
      // The warped template's world → the original template's: a's transform, then what came before.
      const pre = new CompositeTransform([...parts(first.transform), ...(ctx.pre ? parts(ctx.pre) : [])]);
      const second = await b.register(fixed, warped, { ...ctx, pre, onProgress: subProgress(ctx.onProgress, split, 1) });
      // b maps scan points into the warped template's space (the scan's own world); a maps on.
      const transform = new CompositeTransform([...parts(second.transform), ...parts(first.transform)]);
      return {
        transform,
        warnings: [...first.warnings, ...second.warnings],
        details: { ...prefixed(a.name, first.details), ...prefixed(b.name === a.name ? `${b.name}2` : b.name, second.details) },
      };
    },
    dispose() {
      a.dispose();
      b.dispose();
    },
  };
}

/** Details of a step under its name ("affine.ncc"), so that steps with equal keys do not collide. */
function prefixed(name: string, details: Record<string, number | string>): Record<string, number | string> {
  return Object.fromEntries(Object.entries(details).map(([k, v]) => [k.includes('.') ? k : `${name}.${k}`, v]));
}
