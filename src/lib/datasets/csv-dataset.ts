import type { TrainConfig } from '../engine/config.ts';
import type { Dataset } from './types.ts';
import type { CsvTable } from './csv-table.ts';
import { splitIndices, takeRows } from './split.ts';

/**
 * Mean and standard deviation of each feature over the training rows. The network sees
 * (value − mean) / std, so a column in thousands and one in fractions start on an equal
 * footing. A regression's output is standardised too (targetMean, targetStd): a target in
 * the thousands would otherwise give losses in the millions and need a tiny learning rate.
 */
export interface Standardisation {
  mean: number[];
  std: number[];
  targetMean?: number;
  targetStd?: number;
}

/** The CSV table a run trains on and the statistics it was standardised with; stored with the run. */
export interface CsvRunData {
  table: CsvTable;
  standardisation: Standardisation;
}

/**
 * Standardised values of about ±3 are drawn across the 2D and curve pictures: the 2D
 * picture spans ±EXTENT (6), so points are drawn at twice their standardised value.
 */
export const CSV_PICTURE_SCALE = 2;

/** Population statistics of column k of a row-major table, over the given rows; a constant column gets std 1. */
function columnStats(values: Float32Array, width: number, k: number, rows: Int32Array): { mean: number; std: number } {
  let sum = 0;
  for (const row of rows) sum += values[row * width + k];
  const mean = sum / rows.length;
  let squares = 0;
  for (const row of rows) squares += (values[row * width + k] - mean) ** 2;
  const std = Math.sqrt(squares / rows.length);
  // A constant column carries no information; dividing by 1 keeps it at 0 instead of NaN.
  return { mean, std: std > 0 ? std : 1 };
}

/** The statistics of a table over its training rows. */
export function standardisationOf(table: CsvTable, train: Int32Array, regression: boolean): Standardisation {
  const width = table.featureNames.length;
  const stats = table.featureNames.map((_, k) => columnStats(table.x, width, k, train));
  const result: Standardisation = { mean: stats.map((s) => s.mean), std: stats.map((s) => s.std) };
  if (regression) {
    const target = columnStats(table.y, 1, 0, train);
    result.targetMean = target.mean;
    result.targetStd = target.std;
  }
  return result;
}

function standardise(x: Float32Array, stats: Standardisation): Float32Array {
  const width = stats.mean.length;
  return x.map((value, i) => (value - stats.mean[i % width]) / stats.std[i % width]);
}

/** Interleaved (x, y) pairs for a picture, scaled so ±3 standard deviations fill it. */
function picturePoints(a: Float32Array, b: Float32Array, scale: number): Float32Array {
  const points = new Float32Array(a.length * 2);
  for (let i = 0; i < a.length; i++) {
    points[2 * i] = a[i] * scale;
    points[2 * i + 1] = b[i] * scale;
  }
  return points;
}

const column = (x: Float32Array, width: number, k: number) => Float32Array.from({ length: x.length / width }, (_, i) => x[i * width + k]);

/**
 * The dataset of a CSV run: the seeded split of the config (as for generated data), features
 * standardised with `stored` statistics when the run is resumed, else with fresh ones from
 * the training rows. Classification has table.classNames classes; regression has one input.
 */
export function buildCsvDataset(config: TrainConfig, table: CsvTable, stored?: Standardisation): Dataset {
  const rows = table.y.length;
  const width = table.featureNames.length;
  const regression = config.demo === 'curve';
  const { train, test } = splitIndices(rows, config.testFraction, config.seed);
  const standardisation = stored ?? standardisationOf(table, train, regression);
  const trainX = standardise(takeRows(table.x, width, train), standardisation);
  const testX = standardise(takeRows(table.x, width, test), standardisation);
  let trainY = takeRows(table.y, 1, train);
  let testY = takeRows(table.y, 1, test);
  if (regression) {
    const { targetMean = 0, targetStd = 1 } = standardisation;
    trainY = trainY.map((v) => (v - targetMean) / targetStd);
    testY = testY.map((v) => (v - targetMean) / targetStd);
  }
  const dataset: Dataset = {
    inputShape: [width],
    classes: regression ? 0 : table.classNames.length,
    trainX,
    trainY,
    testX,
    testY,
    csv: { table, standardisation },
  };
  // The curve picture spans ±3 (its X_EXTENT) and the 2D picture ±6: both show ±3 standard deviations.
  if (regression) {
    dataset.trainPoints = picturePoints(trainX, trainY, 1);
    dataset.testPoints = picturePoints(testX, testY, 1);
  } else if (width === 2) {
    dataset.trainPoints = picturePoints(column(trainX, 2, 0), column(trainX, 2, 1), CSV_PICTURE_SCALE);
    dataset.testPoints = picturePoints(column(testX, 2, 0), column(testX, 2, 1), CSV_PICTURE_SCALE);
  }
  return dataset;
}
