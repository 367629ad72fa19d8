import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initTensorBackend } from '../../core/tensor/backend.js';
import { STUDENT_ARCHITECTURE, studentLayers } from '../../core/engines/student/network.js';
import { ParamSet } from '../../core/engines/student/params.js';
import { studentOnnx } from '../../core/engines/student/onnx-export.js';
import { createRuntime, onnxRuntime, tfjsRuntime } from '../../core/engines/student/runtime.js';
import { loadOnnxRuntime } from '../../core/engines/cnn-runtime.js';
import type { Vec3 } from '../../core/volume/volume.js';

describe('student ONNX export', () => {
  beforeAll(async () => {
    await initTensorBackend();
  });

  it('onnxruntime and tfjs give the same field to 1e-4', async () => {
    expect(loadOnnxRuntime().ort).toBeDefined();
    // A non-trivial output layer, so the comparison is not between near-zero fields.
    const params = new ParamSet(studentLayers(), undefined, 7, 0.05);
    const grid: Vec3 = [16, 32, 32];
    const n = grid[0] * grid[1] * grid[2];
    const input = tf.tidy(() => tf.randomNormal([2 * n], 0, 1, 'float32', 3).dataSync() as Float32Array).slice();
    const ort = await onnxRuntime(studentOnnx(params, STUDENT_ARCHITECTURE, grid), grid);
    const ref = await tfjsRuntime(params, STUDENT_ARCHITECTURE, grid);
    const a = await ort.run(input);
    const b = await ref.run(input);
    expect(a.length).toBe(3 * n);
    let maxDiff = 0;
    let maxAbs = 0;
    for (let i = 0; i < a.length; i++) {
      maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
      maxAbs = Math.max(maxAbs, Math.abs(b[i]));
    }
    expect(maxAbs).toBeGreaterThan(0.05);
    expect(maxDiff).toBeLessThan(1e-4);
    expect(ort.device).toBe('cpu');
    ort.dispose();
    params.dispose();
  });

  it('auto falls back to tfjs when the ONNX model cannot be used', async () => {
    const params = new ParamSet(studentLayers());
    const grid: Vec3 = [16, 16, 16];
    const { runtime, fallback } = await createRuntime('auto', async () => new Uint8Array([1, 2, 3]), params, STUDENT_ARCHITECTURE, grid);
    expect(runtime.name).toBe('tfjs');
    expect(fallback).toMatch(/onnxruntime unavailable/);
    const before = tf.memory().numTensors;
    await runtime.run(new Float32Array(2 * 16 ** 3));
    expect(tf.memory().numTensors).toBe(before);
    params.dispose();
  });

  it('a session with a cache key is created once, shared, and outlives dispose (one per cohort, not per scan)', async () => {
    const params = new ParamSet(studentLayers(), undefined, 5, 0.05);
    const grid: Vec3 = [16, 16, 16];
    let reads = 0;
    const model = async () => {
      reads++;
      return studentOnnx(params, STUDENT_ARCHITECTURE, grid);
    };
    const input = new Float32Array(2 * 16 ** 3).map((_, i) => Math.sin(i));
    const key = `test-model@${Date.now()}`;
    const first = await createRuntime('auto', model, params, STUDENT_ARCHITECTURE, grid, key);
    const a = await first.runtime.run(input);
    first.runtime.dispose();
    const second = await createRuntime('onnxruntime', model, params, STUDENT_ARCHITECTURE, grid, key);
    const b = await second.runtime.run(input);
    second.runtime.dispose();
    expect(reads).toBe(1);
    expect(Array.from(b)).toEqual(Array.from(a));
    // Another key (another model file or version) gets its own session.
    await (await onnxRuntime(model, grid, `${key}-other`)).run(input);
    expect(reads).toBe(2);
    params.dispose();
  });

  it('weights given as a loader are loaded only when tfjs runs, and a failed session is not cached', async () => {
    const params = new ParamSet(studentLayers());
    const grid: Vec3 = [16, 16, 16];
    let loads = 0;
    const loader = async () => {
      loads++;
      return params;
    };
    const bad = async () => new Uint8Array([1, 2, 3]);
    const key = `broken@${Date.now()}`;
    const first = await createRuntime('auto', bad, loader, STUDENT_ARCHITECTURE, grid, key);
    expect(first.runtime.name).toBe('tfjs');
    expect(loads).toBe(1);
    const good = await createRuntime(
      'auto',
      async () => studentOnnx(params, STUDENT_ARCHITECTURE, grid),
      loader,
      STUDENT_ARCHITECTURE,
      grid,
      key,
    );
    expect(good.runtime.name).toBe('onnxruntime');
    expect(loads).toBe(1);
    params.dispose();
  });
});
