/**
 * The student's registration step, on a template already brought onto the scan's grid (by
 * composition with the affine pre-alignment): both images resampled to the network grid, one
 * forward pass (ONNX Runtime or tfjs), the field returned as a dense transform in millimetres.
 */
import type { RegistrationStep } from '../engine.js';
import type { Vec3 } from '../../volume/volume.js';
import { fieldTransform, interleaveInputs, studentInputs } from './inputs.js';
import type { StudentRuntime } from './runtime.js';

export interface StudentStepHooks {
  warnings(templateFile?: string): Promise<string[]>;
  dispose(): void;
}

export function studentStep(runtime: StudentRuntime, grid: Vec3, hooks: StudentStepHooks, name = 'student'): RegistrationStep {
  return {
    name,
    async register(fixed, moving, ctx = {}) {
      const warnings = await hooks.warnings(ctx.templateFile);
      ctx.onProgress?.({ stage: 'registration', fraction: 0.1, message: `student forward pass (${runtime.name}, ${runtime.device})` });
      const inputs = studentInputs(fixed, moving, grid);
      const t0 = performance.now();
      const field = await runtime.run(interleaveInputs(inputs));
      const forwardSeconds = (performance.now() - t0) / 1000;
      ctx.onProgress?.({ stage: 'registration', fraction: 1, message: 'student done' });
      return {
        transform: fieldTransform(inputs.grid, field),
        warnings,
        details: { runtime: runtime.name, device: runtime.device, forwardSeconds },
      };
    },
    dispose() {
      hooks.dispose();
    },
  };
}
