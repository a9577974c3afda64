/** Class colours, as on playground.tensorflow.org: orange for class 0, blue for class 1. */
export const CLASS_COLORS: [number, number, number][] = [
  [245, 147, 34],
  [8, 119, 189],
];
const NEUTRAL: [number, number, number] = [232, 234, 235];

/**
 * Colours of classes 2 onwards, for a CSV file with up to 20 classes: Tableau 20's distinct
 * hues after the first two (which CLASS_COLORS already covers in their place).
 */
const MORE_CLASS_COLORS: [number, number, number][] = [
  [44, 160, 44], [214, 39, 40], [148, 103, 189], [140, 86, 75], [227, 119, 194], [127, 127, 127], [188, 189, 34], [23, 190, 207],
  [152, 223, 138], [255, 152, 150], [197, 176, 213], [196, 156, 148], [247, 182, 210], [199, 199, 199], [219, 219, 141], [158, 218, 229],
  [174, 199, 232], [255, 187, 120],
];

/** The colour of class `k`, 0 to 19. */
export const classColor = (k: number): [number, number, number] => CLASS_COLORS[k] ?? MORE_CLASS_COLORS[(k - 2) % MORE_CLASS_COLORS.length];

/** A cell of a many-class boundary: the likeliest class's colour, paler the less sure the network is. */
export function classesColor(probabilities: Float32Array, offset: number, classes: number): [number, number, number] {
  let best = 0;
  for (let k = 1; k < classes; k++) if (probabilities[offset + k] > probabilities[offset + best]) best = k;
  const sureness = (probabilities[offset + best] - 1 / classes) / (1 - 1 / classes);
  const color = classColor(best);
  return [0, 1, 2].map((k) => Math.round(NEUTRAL[k] + (color[k] - NEUTRAL[k]) * 0.75 * sureness)) as [number, number, number];
}

/** Blends from class 0's colour through white-grey to class 1's as p goes 0 → 1. */
export function probabilityColor(p: number): [number, number, number] {
  const [from, t] = p < 0.5 ? [CLASS_COLORS[0], 1 - 2 * p] : [CLASS_COLORS[1], 2 * p - 1];
  const strength = 0.75 * t;
  return [0, 1, 2].map((k) => Math.round(NEUTRAL[k] + (from[k] - NEUTRAL[k]) * strength)) as [number, number, number];
}

export const rgb = (c: [number, number, number]) => `rgb(${c[0]}, ${c[1]}, ${c[2]})`;
