import * as v from 'valibot';
import type { TrainConfig } from '../engine/config.ts';
import type { CsvRunData } from '../datasets/csv-dataset.ts';
import { CSV_MAX_CLASSES, CSV_MAX_ROWS, CSV_MIN_ROWS } from '../datasets/csv-parse.ts';
import { tableFingerprint } from '../datasets/csv-table.ts';
import type { TensorData } from './types.ts';

/**
 * How a CSV run's data travels in its checkpoints: the numbers as two float32 tensors, so
 * they are chunked and checksummed like the weights (and a 100,000-row table does not bloat
 * the JSON header), and the names and statistics as the `csv` part of the training state.
 */
export const CSV_X_TENSOR = 'data/x';
export const CSV_Y_TENSOR = 'data/y';
export const isCsvTensor = (name: string) => name === CSV_X_TENSOR || name === CSV_Y_TENSOR;

const finite = v.pipe(v.number(), v.finite());
const name = v.pipe(v.string(), v.maxLength(1000));

export const CsvIdentitySchema = v.object({
  fileName: name,
  featureNames: v.pipe(v.array(name), v.minLength(1, 'A CSV run needs at least one feature column.')),
  labelName: name,
  classNames: v.pipe(v.array(name), v.maxLength(CSV_MAX_CLASSES, `A CSV run has at most ${CSV_MAX_CLASSES} classes.`)),
  rows: v.pipe(v.number(), v.integer(), v.minValue(CSV_MIN_ROWS), v.maxValue(CSV_MAX_ROWS)),
  standardisation: v.object({
    mean: v.array(finite),
    std: v.array(v.pipe(finite, v.gtValue(0, 'A standard deviation must be positive.'))),
    targetMean: v.optional(finite),
    targetStd: v.optional(v.pipe(finite, v.gtValue(0, 'A standard deviation must be positive.'))),
  }),
});
export type CsvIdentity = v.InferOutput<typeof CsvIdentitySchema>;

/** The JSON part and the two tensors of a run's CSV data. */
export function csvToCheckpoint({ table, standardisation }: CsvRunData): { identity: CsvIdentity; tensors: TensorData[] } {
  const rows = table.y.length;
  return {
    identity: { fileName: table.fileName, featureNames: table.featureNames, labelName: table.labelName, classNames: table.classNames, rows, standardisation },
    tensors: [
      { name: CSV_X_TENSOR, dtype: 'float32', shape: [rows, table.featureNames.length], values: table.x },
      { name: CSV_Y_TENSOR, dtype: 'float32', shape: [rows], values: table.y },
    ],
  };
}

/**
 * What is wrong with a checkpoint's CSV data, as a sentence, or null when it is whole: a CSV
 * run must have it, its tensors must match the recorded rows and columns, and its labels
 * must be class indices.
 */
export function csvDataProblem(config: TrainConfig, identity: CsvIdentity | undefined, tensors: readonly TensorData[]): string | null {
  if (config.dataset !== 'csv') return identity ? 'it holds CSV data, but its settings do not train on a CSV file' : null;
  if (!identity) return 'it trains on a CSV file but holds no record of the file\u2019s columns';
  const width = identity.featureNames.length;
  if (identity.standardisation.mean.length !== width || identity.standardisation.std.length !== width) {
    return `its standardisation has ${identity.standardisation.mean.length} means and ${identity.standardisation.std.length} deviations for ${width} features`;
  }
  const regression = config.demo === 'curve';
  if (regression ? identity.classNames.length !== 0 : identity.classNames.length < 2) {
    return regression ? 'its curve-fitting data lists classes' : 'its classification data has fewer than two classes';
  }
  const x = tensors.find((t) => t.name === CSV_X_TENSOR);
  const y = tensors.find((t) => t.name === CSV_Y_TENSOR);
  if (!x || !y) return `it lacks the tensor "${x ? CSV_Y_TENSOR : CSV_X_TENSOR}" holding the CSV data`;
  if (x.dtype !== 'float32' || x.shape.join(',') !== `${identity.rows},${width}`) return `its "${CSV_X_TENSOR}" is ${x.dtype} [${x.shape}], not float32 [${identity.rows}, ${width}]`;
  if (y.dtype !== 'float32' || y.shape.join(',') !== `${identity.rows}`) return `its "${CSV_Y_TENSOR}" is ${y.dtype} [${y.shape}], not float32 [${identity.rows}]`;
  if (x.values.some((value) => !Number.isFinite(value))) return `its "${CSV_X_TENSOR}" holds a value that is not a finite number`;
  const classes = identity.classNames.length;
  const badLabel = regression ? (value: number) => !Number.isFinite(value) : (value: number) => !Number.isInteger(value) || value < 0 || value >= classes;
  if (y.values.some(badLabel)) return `its "${CSV_Y_TENSOR}" holds a value that is not ${regression ? 'a finite number' : `a class index from 0 to ${classes - 1}`}`;
  return null;
}

/** The run's data back from a checkpoint that passed csvDataProblem. */
export function csvFromCheckpoint(identity: CsvIdentity, tensors: readonly TensorData[]): CsvRunData {
  const values = (name: string) => Float32Array.from(tensors.find((t) => t.name === name)!.values);
  const { fileName, featureNames, labelName, classNames, standardisation } = identity;
  const table = { fileName, featureNames, labelName, classNames, x: values(CSV_X_TENSOR), y: values(CSV_Y_TENSOR) };
  return { table: { ...table, fingerprint: tableFingerprint(table) }, standardisation };
}
