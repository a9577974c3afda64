// The engine's public surface, for the worker, tests and benchmarks.
export * from './config.ts';
export * from './errors.ts';
export * from './rng.ts';
export * from './schedules.ts';
export * from './metrics.ts';
export * from './trainer.ts';
export * from './optimizers.ts';
export { buildDataset, type DataSources } from '../datasets/registry.ts';
export { modelSpecFor, paramSpecs, paramCount, type ModelSpec } from '../models/spec.ts';
export * from './backend-names.ts';
