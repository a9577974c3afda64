/** Class colours, as on playground.tensorflow.org: orange for class 0, blue for class 1. */
export const CLASS_COLORS: [number, number, number][] = [
  [245, 147, 34],
  [8, 119, 189],
];
const NEUTRAL: [number, number, number] = [232, 234, 235];

/** Blends from class 0's colour through white-grey to class 1's as p goes 0 → 1. */
export function probabilityColor(p: number): [number, number, number] {
  const [from, t] = p < 0.5 ? [CLASS_COLORS[0], 1 - 2 * p] : [CLASS_COLORS[1], 2 * p - 1];
  const strength = 0.75 * t;
  return [0, 1, 2].map((k) => Math.round(NEUTRAL[k] + (from[k] - NEUTRAL[k]) * strength)) as [number, number, number];
}

export const rgb = (c: [number, number, number]) => `rgb(${c[0]}, ${c[1]}, ${c[2]})`;
