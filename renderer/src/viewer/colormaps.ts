/** Colours of label overlays without a table colour, and the Jacobian heat map with its colour bar. */
import { utilities } from '@cornerstonejs/core';

/** A well-spread colour for a label the label table gives no colour (golden-angle hue), 0–255. */
export function labelColour(l: number): [number, number, number] {
  const h = (l * 137.508) % 360;
  const s = 0.75;
  const v = 0.95;
  const c = v * s;
  const x = c * (1 - Math.abs(((h / 60) % 2) - 1));
  const m = v - c;
  const [r, g, b] = h < 60 ? [c, x, 0] : h < 120 ? [x, c, 0] : h < 180 ? [0, c, x] : h < 240 ? [0, x, c] : h < 300 ? [x, 0, c] : [c, 0, x];
  return [Math.round(255 * (r + m)), Math.round(255 * (g + m)), Math.round(255 * (b + m))];
}

const registered = new Set<string>();

function register(name: string, points: number[]): string {
  if (!registered.has(name)) {
    utilities.colormap.registerColormap({ ColorSpace: 'RGB', Name: name, name, RGBPoints: points });
    registered.add(name);
  }
  return name;
}

export const JACOBIAN_RANGE = { lower: -0.5, upper: 2.5 };
/** det J stops of the colour map and the colour bar: folding (≤ 0) magenta, blue (shrink) → white (1) → red (grow). */
export const JACOBIAN_STOPS: [number, [number, number, number]][] = [
  [0.001, [0, 0.1, 0.8]],
  [0.5, [0, 0.35, 1]],
  [0.8, [0.45, 0.7, 1]],
  [1, [1, 1, 1]],
  [1.25, [1, 0.6, 0.2]],
  [1.6, [1, 0.15, 0]],
  [2.5, [0.6, 0, 0]],
];
export const FOLDING_COLOUR: [number, number, number] = [1, 0, 1];

export function jacobianColormap(): string {
  const at = (det: number) => (det - JACOBIAN_RANGE.lower) / (JACOBIAN_RANGE.upper - JACOBIAN_RANGE.lower);
  const points = [at(-0.5), ...FOLDING_COLOUR, at(0), ...FOLDING_COLOUR];
  for (const [det, c] of JACOBIAN_STOPS) points.push(at(det), ...c);
  return register('labelwarp-jacobian', points);
}

/**
 * Opacity of the Jacobian over the anatomy by det J: no volume change (det J = 1) is transparent,
 * so the anatomy shows through; strong change and folding are opaque; scaled by the opacity slider.
 */
export function jacobianOpacity(o: number): { value: number; opacity: number }[] {
  const fold = Math.min(1, 0.5 + o);
  const full = Math.min(1, 1.4 * o);
  return [
    { value: -1e6, opacity: fold },
    { value: 0, opacity: fold },
    { value: 0.001, opacity: full },
    { value: 0.75, opacity: full },
    { value: 0.92, opacity: 0.5 * full },
    { value: 1, opacity: 0 },
    { value: 1.08, opacity: 0.5 * full },
    { value: 1.3, opacity: full },
    { value: 1e6, opacity: full },
  ];
}

/** CSS gradient of the Jacobian colour bar over [lower, upper]. */
export function jacobianGradient(): string {
  const pct = (det: number) => `${((100 * (det - JACOBIAN_RANGE.lower)) / (JACOBIAN_RANGE.upper - JACOBIAN_RANGE.lower)).toFixed(1)}%`;
  const css = (c: [number, number, number]) => `rgb(${c.map((x) => Math.round(255 * x)).join(',')})`;
  const stops = [`${css(FOLDING_COLOUR)} 0%`, `${css(FOLDING_COLOUR)} ${pct(0)}`, ...JACOBIAN_STOPS.map(([d, c]) => `${css(c)} ${pct(d)}`)];
  return `linear-gradient(to right, ${stops.join(', ')})`;
}
