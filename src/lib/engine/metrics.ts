/** Metrics computed on the CPU from values already read back, never on the step path. */

/** Index of the largest value in each row of a row-major [rows, cols] matrix. */
export function argmaxRows(values: ArrayLike<number>, cols: number): Int32Array {
  const rows = Math.floor(values.length / cols);
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let c = 1; c < cols; c++) if (values[r * cols + c] > values[r * cols + best]) best = c;
    out[r] = best;
  }
  return out;
}

export function accuracy(predicted: ArrayLike<number>, labels: ArrayLike<number>): number {
  if (labels.length === 0) return 0;
  let hits = 0;
  for (let i = 0; i < labels.length; i++) if (predicted[i] === labels[i]) hits++;
  return hits / labels.length;
}

/** counts[actual * classes + predicted]: rows are the true class, columns the prediction. */
export function confusionMatrix(
  predicted: ArrayLike<number>,
  labels: ArrayLike<number>,
  classes: number,
): Int32Array {
  const counts = new Int32Array(classes * classes);
  for (let i = 0; i < labels.length; i++) counts[labels[i] * classes + predicted[i]]++;
  return counts;
}
