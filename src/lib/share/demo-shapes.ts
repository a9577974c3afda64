import type { TrainConfig } from '../engine/config.ts';
import { dataShapeFor, type CsvShape } from '../datasets/registry.ts';
import { modelSpecFor, paramSpecs, type ModelSpec, type ParamSpec } from '../models/spec.ts';

/** The model a config trains, and its ordered parameter table; a CSV run's shape comes from its stored table. */
export function modelFor(config: TrainConfig, csv?: CsvShape): { spec: ModelSpec; params: ParamSpec[] } {
  const spec = modelSpecFor(config, dataShapeFor(config, csv));
  return { spec, params: paramSpecs(spec) };
}

/** "an MLP with hidden layers [16, 16]": how messages name the model a config describes. */
export function describeModel(config: TrainConfig): string {
  const hidden = config.hidden.length === 0 ? 'no hidden layers' : `hidden layers [${config.hidden.join(', ')}]`;
  return `${config.model === 'cnn' ? 'a CNN' : 'an MLP'} with ${hidden} for the ${config.demo} demo`;
}

/** The shape a checkpoint's `csv` state gives its model, or undefined for a run on generated data. */
export function csvShapeOf(state: unknown): CsvShape | undefined {
  const csv = (state as { csv?: { featureNames: string[]; classNames: string[] } } | undefined)?.csv;
  return csv ? { featureCount: csv.featureNames.length, classCount: csv.classNames.length } : undefined;
}
