import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initTensorBackend } from '../../core/tensor/backend.js';
import { STUDENT_ARCHITECTURE, studentLayers } from '../../core/engines/student/network.js';
import { ParamSet } from '../../core/engines/student/params.js';
import { studentOnnx } from '../../core/engines/student/onnx-export.js';
import { createRuntime, loadOnnxRuntime, onnxRuntime, tfjsRuntime } from '../../core/engines/student/runtime.js';
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
});
