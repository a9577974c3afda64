/**
 * How each compared run is drawn: a colour from the Okabe–Ito palette (told apart with the
 * common colour-vision deficiencies) and a dash pattern, so the chart reads without colour too.
 * Index i of both lists belongs to run i; there are MAX_COMPARED_RUNS of each.
 */
export const RUN_COLORS = ['#0072b2', '#d55e00', '#009e73', '#cc79a7', '#7a5c00', '#000000'] as const;
export const RUN_DASHES: readonly (readonly number[])[] = [[], [10, 5], [2, 4], [12, 4, 2, 4], [6, 3, 6, 3, 1, 3], [1, 2]];
/** The dash patterns in words, for the legend's text. */
export const RUN_DASH_NAMES = ['solid line', 'dashed line', 'dotted line', 'dash-dot line', 'long-short line', 'fine dotted line'] as const;

export interface RunStyle {
  color: string;
  dash: number[];
  dashName: string;
}

export function runStyle(index: number): RunStyle {
  const i = index % RUN_COLORS.length;
  return { color: RUN_COLORS[i], dash: [...RUN_DASHES[i]], dashName: RUN_DASH_NAMES[i] };
}
