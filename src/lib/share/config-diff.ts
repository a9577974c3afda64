import type { TrainConfig } from '../engine/config.ts';

/**
 * What differs between runs' configs, in words a student reads in a chart's legend:
 * "learning rate 0.03 → 0.3", "hidden layers 16,16 → 16". Pure, so the legend, the
 * comparison link's offers and the tests all agree.
 */

/** One setting whose value is not the same in every run; `values` has one entry per run. */
export interface ConfigDifference {
  key: keyof TrainConfig;
  label: string;
  values: string[];
}

/**
 * Settings in the order a legend names them, each with the words it goes by. A setting not
 * listed here (a demo's newer field) comes after them, named from its camelCase key.
 */
const SETTING_LABELS: Partial<Record<keyof TrainConfig, string>> = {
  demo: 'demo',
  dataset: 'dataset',
  samples: 'samples',
  noise: 'noise',
  testFraction: 'test fraction',
  features: 'input features',
  model: 'model',
  hidden: 'hidden layers',
  activation: 'activation',
  optimizer: 'optimizer',
  learningRate: 'learning rate',
  batchSize: 'batch size',
  schedule: 'schedule',
  decaySteps: 'decay steps',
  l2: 'L2',
  dropout: 'dropout',
  seed: 'seed',
  points: 'placed points',
};

/** "weightDecay" → "weight decay". */
function labelOf(key: string): string {
  return SETTING_LABELS[key as keyof TrainConfig] ?? key.replace(/[A-Z]/g, (letter) => ` ${letter.toLowerCase()}`);
}

/** A setting's value as the settings form shows it; an empty hidden-layer list is a linear model, placed points are counted. */
function shownValue(key: string, value: unknown): string {
  if (key === 'points' && Array.isArray(value)) return value.length === 0 ? 'none' : String(value.length);
  if (Array.isArray(value)) return value.length === 0 && key === 'hidden' ? 'none' : value.join(',');
  return value === undefined ? 'not set' : String(value);
}

/** The settings that differ between the configs, in SETTING_LABELS order; [] when they all agree. */
export function configDifferences(configs: readonly TrainConfig[]): ConfigDifference[] {
  const keys = new Set([...Object.keys(SETTING_LABELS), ...configs.flatMap((config) => Object.keys(config))]);
  const differences: ConfigDifference[] = [];
  for (const key of keys as Set<keyof TrainConfig>) {
    if (new Set(configs.map((config) => JSON.stringify(config[key]))).size === 1) continue;
    const values = configs.map((config) => shownValue(key, config[key]));
    // As many points in each run, in different places: "placed points 96 → 96, moved".
    const sameShown = new Set(values).size === 1;
    differences.push({ key, label: labelOf(key), values: sameShown ? values.map((value, i) => (i === 0 ? value : `${value}, moved`)) : values });
  }
  return differences;
}

/**
 * The whole difference in one line: "learning rate 0.03 → 0.3; hidden layers 16,16 → 16" for
 * two runs, "learning rate 0.03, 0.3, 0.1" (in run order) for more.
 */
export function describeDifferences(configs: readonly TrainConfig[]): string {
  if (configs.length < 2) return '';
  const differences = configDifferences(configs);
  if (differences.length === 0) return 'The runs have the same settings.';
  const joiner = configs.length === 2 ? ' → ' : ', ';
  return differences.map(({ label, values }) => `${label} ${values.join(joiner)}`).join('; ');
}

/** One run's own values of the settings that differ: "learning rate 0.3, hidden layers 16". */
export function describeRunValues(configs: readonly TrainConfig[], index: number): string {
  return configDifferences(configs)
    .map(({ label, values }) => `${label} ${values[index]}`)
    .join(', ');
}
