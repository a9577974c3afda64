import type { TrainConfig } from '../engine/config.ts';
import { dataShapeFor } from '../datasets/registry.ts';
import { modelSpecFor, paramSpecs, type ModelSpec, type ParamSpec } from '../models/spec.ts';

/** The model a config trains, and its ordered parameter table. */
export function modelFor(config: TrainConfig): { spec: ModelSpec; params: ParamSpec[] } {
  const spec = modelSpecFor(config, dataShapeFor(config));
  return { spec, params: paramSpecs(spec) };
}

/** "an MLP with hidden layers [16, 16]": how messages name the model a config describes. */
export function describeModel(config: TrainConfig): string {
  const hidden = config.hidden.length === 0 ? 'no hidden layers' : `hidden layers [${config.hidden.join(', ')}]`;
  return `${config.model === 'cnn' ? 'a CNN' : 'an MLP'} with ${hidden} for the ${config.demo} demo`;
}
