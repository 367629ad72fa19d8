/**
 * The learning-rate schedule of the trainers: a cosine from the base step at the first iteration
 * down to `finalFraction` of it at the last (finalFraction 1: constant).
 */
export function cosineLearningRate(base: number, finalFraction: number, iteration: number, iterations: number): number {
  if (iterations <= 1 || finalFraction >= 1) return base;
  const t = Math.min(1, Math.max(0, iteration / (iterations - 1)));
  return base * (finalFraction + (1 - finalFraction) * 0.5 * (1 + Math.cos(Math.PI * t)));
}
