import { Rng } from '../engine/rng.ts';

/** A seeded train/test split: the same seed always holds out the same examples. */
export function splitIndices(count: number, testFraction: number, seed: number): { train: Int32Array; test: Int32Array } {
  const order = Rng.seeded(seed, 'split').shuffle(Int32Array.from({ length: count }, (_, i) => i));
  const testCount = Math.max(1, Math.round(count * testFraction));
  return { test: order.slice(0, testCount).sort(), train: order.slice(testCount).sort() };
}

/** Copies the rows `indices` of a row-major [n, width] array. */
export function takeRows(values: ArrayLike<number>, width: number, indices: Int32Array): Float32Array {
  const out = new Float32Array(indices.length * width);
  indices.forEach((row, i) => {
    for (let k = 0; k < width; k++) out[i * width + k] = values[row * width + k];
  });
  return out;
}
