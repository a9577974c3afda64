import type { CsvRunData } from './csv-dataset.ts';

/**
 * A dataset as plain typed arrays, so it can be generated in Node, in a worker, or checked in
 * a test without tensors. The trainer uploads it to the backend once.
 */
export interface Dataset {
  /** Shape of one example, e.g. [2] for features, [28, 28, 1] for a digit. */
  inputShape: number[];
  /** Number of classes; 0 means regression with one real-valued target. */
  classes: number;
  trainX: Float32Array;
  /** Class indices (classification) or targets (regression), one per example. */
  trainY: Float32Array;
  testX: Float32Array;
  testY: Float32Array;
  /** Raw 2D/1D coordinates of every point, for drawing; features may transform them. */
  trainPoints?: Float32Array;
  testPoints?: Float32Array;
  /** A run on the student's own CSV: its table and standardisation, stored with every checkpoint. */
  csv?: CsvRunData;
}

export function exampleCount(x: Float32Array, inputShape: number[]): number {
  return x.length / inputShape.reduce((a, b) => a * b, 1);
}
