import { describe, expect, it } from 'vitest';
import { cosineLearningRate } from '../../core/tensor/learning-rate.js';

describe('cosineLearningRate', () => {
  it('starts at the base step, ends at its final fraction and falls monotonically between', () => {
    const n = 200;
    const steps = Array.from({ length: n }, (_, i) => cosineLearningRate(1e-3, 0.05, i, n));
    expect(steps[0]).toBeCloseTo(1e-3, 12);
    expect(steps[n - 1]).toBeCloseTo(5e-5, 12);
    expect(steps[Math.round((n - 1) / 2)]).toBeCloseTo(1e-3 * (0.05 + 0.95 * 0.5), 5);
    for (let i = 1; i < n; i++) expect(steps[i]).toBeLessThan(steps[i - 1]);
  });

  it('is constant for a final fraction of 1 or a single iteration, and clamps past the end', () => {
    expect(cosineLearningRate(2e-3, 1, 50, 100)).toBe(2e-3);
    expect(cosineLearningRate(2e-3, 0.1, 0, 1)).toBe(2e-3);
    expect(cosineLearningRate(2e-3, 0.1, 500, 100)).toBeCloseTo(2e-4, 12);
  });
});
