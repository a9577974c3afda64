import type { TrainConfig } from '../engine/config.ts';
import type { Dataset } from './types.ts';
import { generatePoints, toFeatures } from './points2d.ts';
import { generateSine, X_EXTENT } from './sine.ts';
import { MNIST_PIXELS, MNIST_SIDE, type MnistImages } from './mnist.ts';
import { splitIndices, takeRows } from './split.ts';
import { buildCsvDataset, type Standardisation } from './csv-dataset.ts';
import type { CsvTable } from './csv-table.ts';

/** Data that cannot be generated from the config alone and must be loaded first. */
export interface DataSources {
  mnist?: MnistImages;
  /** A CSV run's table; with `standardisation` when it is resumed from a checkpoint. */
  csv?: { table: CsvTable; standardisation?: Standardisation };
}

/** How many inputs and classes a CSV run's table gives it, as the store records them. */
export interface CsvShape {
  featureCount: number;
  /** 0 for regression. */
  classCount: number;
}

function csvDataset(config: TrainConfig, csv: DataSources['csv']): Dataset {
  if (!csv) throw new Error('This run trains on a CSV file, which is not loaded; load it with Load CSV first.');
  return buildCsvDataset(config, csv.table, csv.standardisation);
}

function classify2d(config: TrainConfig): Dataset {
  const { points, labels } = generatePoints(config.dataset, config.samples, config.noise, config.seed);
  const { train, test } = splitIndices(config.samples, config.testFraction, config.seed);
  const trainPoints = takeRows(points, 2, train);
  const testPoints = takeRows(points, 2, test);
  return {
    inputShape: [config.features.length],
    classes: 2,
    trainX: toFeatures(trainPoints, config.features),
    trainY: takeRows(labels, 1, train),
    testX: toFeatures(testPoints, config.features),
    testY: takeRows(labels, 1, test),
    trainPoints,
    testPoints,
  };
}

/**
 * The sine's seeded train/test split; with placed points (dataset `points`) those are the
 * training set instead, and the sine's held-out points stay the test set, so the test loss
 * keeps measuring the fit against the sine while the user edits.
 */
function curve(config: TrainConfig): Dataset {
  const points = generateSine(config.samples, config.noise, config.seed);
  const { train, test } = splitIndices(config.samples, config.testFraction, config.seed);
  const trainPoints = config.dataset === 'points' ? Float32Array.from(config.points.flat()) : takeRows(points, 2, train);
  const testPoints = takeRows(points, 2, test);
  const inputs = (p: Float32Array) => Float32Array.from({ length: p.length / 2 }, (_, i) => p[2 * i] / X_EXTENT);
  const targets = (p: Float32Array) => Float32Array.from({ length: p.length / 2 }, (_, i) => p[2 * i + 1]);
  return {
    inputShape: [1],
    classes: 0,
    trainX: inputs(trainPoints),
    trainY: targets(trainPoints),
    testX: inputs(testPoints),
    testY: targets(testPoints),
    trainPoints,
    testPoints,
  };
}

/**
 * The digits split is fixed rather than following the run's seed, so accuracies reported for
 * different runs (and in the README) are measured on the same held-out images.
 */
export const MNIST_SPLIT_SEED = 20261126;

function digits(config: TrainConfig, mnist: MnistImages | undefined): Dataset {
  if (!mnist) throw new Error('The handwritten digits are not loaded yet; load data/mnist.bin before building this dataset.');
  const pixels = Float32Array.from(mnist.pixels, (p) => p / 255);
  const labels = Float32Array.from(mnist.labels);
  const { train, test } = splitIndices(mnist.count, config.testFraction, MNIST_SPLIT_SEED);
  return {
    inputShape: [MNIST_SIDE, MNIST_SIDE, 1],
    classes: 10,
    trainX: takeRows(pixels, MNIST_PIXELS, train),
    trainY: takeRows(labels, 1, train),
    testX: takeRows(pixels, MNIST_PIXELS, test),
    testY: takeRows(labels, 1, test),
  };
}

/**
 * Input shape and class count of a config's data, known without building it (so a file can
 * be checked before the digit images are loaded). buildDataset() produces exactly these.
 */
export function dataShapeFor(config: TrainConfig, csv?: CsvShape): Pick<Dataset, 'inputShape' | 'classes'> {
  if (config.dataset === 'csv') {
    if (!csv) throw new Error('A CSV run takes its shape from its table; pass the number of features and classes it stored.');
    return { inputShape: [csv.featureCount], classes: config.demo === 'curve' ? 0 : csv.classCount };
  }
  switch (config.demo) {
    case 'classify2d':
      return { inputShape: [config.features.length], classes: 2 };
    case 'curve':
      return { inputShape: [1], classes: 0 };
    case 'digits':
      return { inputShape: [MNIST_SIDE, MNIST_SIDE, 1], classes: 10 };
    case 'text':
      throw new Error('The text demo has no rows of numbers; its data is built by buildTextDataset.');
  }
}

/** Builds the dataset a config describes. Deterministic in the config's seed. */
export function buildDataset(config: TrainConfig, sources: DataSources = {}): Dataset {
  if (config.dataset === 'csv') return csvDataset(config, sources.csv);
  switch (config.demo) {
    case 'classify2d':
      return classify2d(config);
    case 'curve':
      return curve(config);
    case 'digits':
      return digits(config, sources.mnist);
    case 'text':
      throw new Error('The text demo has no rows of numbers; its data is built by buildTextDataset.');
  }
}
