/** Colour maps for label overlays, the Jacobian heat map and the deformation grid. */
import { utilities } from '@cornerstonejs/core';

/** A well-spread colour for label l (golden-angle hue). */
export function labelColour(l: number): [number, number, number] {
  const h = (l * 137.508) % 360;
  const s = 0.75;
  const v = 0.95;
  const c = v * s;
  const x = c * (1 - Math.abs(((h / 60) % 2) - 1));
  const m = v - c;
  const [r, g, b] = h < 60 ? [c, x, 0] : h < 120 ? [x, c, 0] : h < 180 ? [0, c, x] : h < 240 ? [0, x, c] : h < 300 ? [x, 0, c] : [c, 0, x];
  return [r + m, g + m, b + m];
}

const registered = new Set<string>();

/** Piecewise-constant colours for labels 0..maxLabel, registered once per maximum. */
export function labelColormap(maxLabel: number, reference = false): string {
  const name = `labelwarp-labels-${reference ? 'ref-' : ''}${maxLabel}`;
  if (registered.has(name)) return name;
  const points: number[] = [];
  for (let l = 0; l <= maxLabel; l++) {
    const [r, g, b] = reference ? [1, 1, 1] : l === 0 ? [0, 0, 0] : labelColour(l);
    const lo = Math.max(0, l - 0.49) / maxLabel;
    const hi = Math.min(maxLabel, l + 0.49) / maxLabel;
    points.push(lo, r, g, b, hi, r, g, b);
  }
  utilities.colormap.registerColormap({ ColorSpace: 'RGB', Name: name, name, RGBPoints: points });
  registered.add(name);
  return name;
}

/** det J: ≤ 0 (folding) magenta; then blue (compression) → white (1) → red (expansion, 2+). */
export function jacobianColormap(): string {
  const name = 'labelwarp-jacobian';
  if (registered.has(name)) return name;
  // Mapped over the VOI range [-0.5, 2.5].
  const at = (det: number) => (det + 0.5) / 3;
  const points = [at(-0.5), 1, 0, 1, at(0), 1, 0, 1, at(0.001), 0, 0.2, 1, at(1), 1, 1, 1, at(2), 1, 0.1, 0, at(2.5), 0.6, 0, 0];
  utilities.colormap.registerColormap({ ColorSpace: 'RGB', Name: name, name, RGBPoints: points });
  registered.add(name);
  return name;
}

export const JACOBIAN_RANGE = { lower: -0.5, upper: 2.5 };
