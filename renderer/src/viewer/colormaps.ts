/** Colours of label overlays without a table colour, and the Jacobian map (log scale, jacobian-scale.ts) with its colour bar. */
import { utilities } from '@cornerstonejs/core';
import { FOLDED, JACOBIAN_SCALE } from './jacobian-scale';

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

/** The range of the Jacobian view's volume (jacobian-scale.ts): folding at FOLDED, then −1 … 1 of the log scale. */
export const JACOBIAN_RANGE = { lower: FOLDED, upper: 1 };
/**
 * Colours along the log scale (−1 … 1): det J < 1 blue, det J > 1 orange to red, both already
 * saturated next to det J = 1 (where the view is see-through), darker towards the ends.
 */
export const JACOBIAN_STOPS: [number, [number, number, number]][] = [
  [-1, [0.05, 0.05, 0.5]],
  [-0.5, [0.1, 0.3, 0.95]],
  [-0.02, [0.3, 0.6, 1]],
  [0, [1, 1, 1]],
  [0.02, [1, 0.6, 0.15]],
  [0.5, [0.95, 0.2, 0.05]],
  [1, [0.55, 0, 0]],
];
export const FOLDING_COLOUR: [number, number, number] = [1, 0, 1];

const at = (v: number) => (v - JACOBIAN_RANGE.lower) / (JACOBIAN_RANGE.upper - JACOBIAN_RANGE.lower);

export function jacobianColormap(): string {
  const points = [at(FOLDED), ...FOLDING_COLOUR, at(-1.01), ...FOLDING_COLOUR];
  for (const [v, c] of JACOBIAN_STOPS) points.push(at(v), ...c);
  return register('labelwarp-jacobian-log', points);
}

/**
 * Opacity of the Jacobian over the anatomy by mapped value: see-through in a narrow band around
 * det J = 1 (JACOBIAN_SCALE.clear), full from JACOBIAN_SCALE.opaque on, folding more opaque still;
 * all scaled by the opacity slider (0: the anatomy alone).
 */
export function jacobianOpacity(o: number): { value: number; opacity: number }[] {
  const fold = Math.min(1, 2 * o);
  const full = o;
  const { clear, opaque } = JACOBIAN_SCALE;
  return [
    { value: FOLDED - 1, opacity: fold },
    { value: -1.01, opacity: fold },
    { value: -1, opacity: full },
    { value: -opaque, opacity: full },
    { value: -clear, opacity: 0 },
    { value: clear, opacity: 0 },
    { value: opaque, opacity: full },
    { value: 2, opacity: full },
  ];
}

/** CSS gradient of the colour bar over the log scale −1 … 1 (folding has its own swatch). */
export function jacobianGradient(): string {
  const pct = (v: number) => `${(50 * (v + 1)).toFixed(1)}%`;
  const css = (c: [number, number, number]) => `rgb(${c.map((x) => Math.round(255 * x)).join(',')})`;
  return `linear-gradient(to right, ${JACOBIAN_STOPS.map(([v, c]) => `${css(c)} ${pct(v)}`).join(', ')})`;
}
