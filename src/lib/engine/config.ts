import * as v from 'valibot';
import { ConfigError } from './errors.ts';
import { TEXT_DATASETS } from '../text/data/text-datasets.ts';
import { MAX_CURVE_POINTS, X_EXTENT, Y_EXTENT } from '../datasets/sine.ts';

/**
 * The whole experiment as one flat, typed record. A seed plus this config determines a run:
 * data, initial weights, batch order and dropout masks all derive from it.
 */
export const DEMOS = ['classify2d', 'digits', 'curve', 'text'] as const;
export const DATASETS_2D = ['spiral', 'circles', 'xor', 'gaussians', 'checkerboard'] as const;
/** The curve demo's data: the generated sine, or `points` placed on the picture (config.points). */
export const CURVE_DATASETS = ['sine', 'points'] as const;
/** `csv`: the student's own file (2D classification and curve fitting); a link or config never holds its data. */
export const DATASETS = [...DATASETS_2D, ...CURVE_DATASETS, 'mnist', ...TEXT_DATASETS, 'csv'] as const;
export const FEATURES = ['x', 'y', 'x2', 'y2', 'xy', 'sinx', 'siny'] as const;
export const ACTIVATIONS = ['relu', 'tanh', 'sigmoid', 'linear'] as const;
export const OPTIMIZERS = ['sgd', 'momentum', 'adam', 'rmsprop'] as const;
export const SCHEDULES = ['constant', 'step', 'cosine', 'warmupCosine'] as const;
/** bigram and gpt are the text demo's models; mlp and cnn the others'. */
export const MODELS = ['mlp', 'cnn', 'bigram', 'gpt'] as const;
export const TEXT_MODELS = ['bigram', 'gpt'] as const;

export type DemoKind = (typeof DEMOS)[number];
export type DatasetName = (typeof DATASETS)[number];
export type Feature = (typeof FEATURES)[number];
export type Activation = (typeof ACTIVATIONS)[number];
export type OptimizerKind = (typeof OPTIMIZERS)[number];
export type ModelKind = (typeof MODELS)[number];

/**
 * Limits of every numeric field, declared once. The form, the share link and the checkpoint
 * importer all validate against this table, so their messages agree.
 */
export const NUMERIC_FIELDS = {
  samples: { label: 'Samples', min: 20, max: 10000, integer: true },
  noise: { label: 'Noise', min: 0, max: 1, integer: false },
  testFraction: { label: 'Test fraction', min: 0.05, max: 0.9, integer: false },
  learningRate: { label: 'Learning rate', min: 1e-6, max: 10, integer: false },
  batchSize: { label: 'Batch size', min: 1, max: 512, integer: true },
  decaySteps: { label: 'Decay steps', min: 1, max: 1_000_000, integer: true },
  l2: { label: 'L2', min: 0, max: 1, integer: false },
  dropout: { label: 'Dropout', min: 0, max: 0.9, integer: false },
  seed: { label: 'Seed', min: 0, max: 2 ** 31 - 1, integer: true },
  hiddenUnits: { label: 'Units per layer', min: 1, max: 256, integer: true },
  // The text demo's fields (GPT_LIMITS and TEXT_DATA_FIELDS say the same ranges).
  layers: { label: 'Layers', min: 1, max: 6, integer: true },
  heads: { label: 'Heads', min: 1, max: 8, integer: true },
  width: { label: 'Width', min: 16, max: 256, integer: true },
  context: { label: 'Context', min: 8, max: 256, integer: true },
  weightDecay: { label: 'Weight decay', min: 0, max: 1, integer: false },
  gradClip: { label: 'Gradient clip', min: 0, max: 100, integer: false },
  warmupSteps: { label: 'Warm-up steps', min: 0, max: 100_000, integer: true },
  taskLength: { label: 'Task length', min: 1, max: 32, integer: true },
  taskDigits: { label: 'Digits', min: 1, max: 9, integer: true },
} as const;
export type NumericField = keyof typeof NUMERIC_FIELDS;
export const MAX_HIDDEN_LAYERS = 6;

export interface TrainConfig {
  /** Which demo this run belongs to; decides the loss and the pictures. */
  demo: DemoKind;
  /** Data source; 2D sets for classify2d, sine for curve, mnist for digits; csv (a loaded file) for classify2d and curve. */
  dataset: DatasetName;
  /** Generated points (2D and curve demos). */
  samples: number;
  /** Label/position noise for generated sets, 0..1. */
  noise: number;
  /** Share of the data held out for the test loss. */
  testFraction: number;
  /** Input features derived from (x, y) for the 2D demo. */
  features: Feature[];
  /** Network family; cnn only for digits. */
  model: ModelKind;
  /** Units of each hidden dense layer; [] is a linear model. */
  hidden: number[];
  /** Activation of every hidden layer. */
  activation: Activation;
  optimizer: OptimizerKind;
  /** Base learning rate; the schedule scales it. */
  learningRate: number;
  /** Examples per step; the last partial batch of an epoch is dropped so shapes stay fixed. */
  batchSize: number;
  schedule: (typeof SCHEDULES)[number];
  /** Period of the step schedule or length of the cosine schedule, in steps. */
  decaySteps: number;
  /** L2 penalty on kernels, added to the loss. */
  l2: number;
  /** Dropout rate after each hidden layer (0 = off). */
  dropout: number;
  seed: number;
  /** Text: transformer blocks. */
  layers: number;
  /** Text: attention heads per block; width must be divisible by it. */
  heads: number;
  /** Text: embedding width. */
  width: number;
  /** Text: characters the model reads at once. */
  context: number;
  /** Text: AdamW's decoupled weight decay. */
  weightDecay: number;
  /** Text: cap on the gradients' global norm; 0 turns clipping off. */
  gradClip: number;
  /** Text: steps of linear warm-up before the cosine (warmupCosine schedule). */
  warmupSteps: number;
  /** Text: characters per prompt of the reverse, sort, copy and brackets tasks. */
  taskLength: number;
  /** Text: most digits per number of the add task. */
  taskDigits: number;
  /**
   * Curve demo, dataset `points`: the training points placed on the picture, as [x, y] pairs
   * (x within ±X_EXTENT, y within ±Y_EXTENT); [] for every other dataset. Editing them during a
   * run changes this run's data in place (see isPointsChange), so a checkpoint's config holds
   * the points its run trains on from that step.
   */
  points: [number, number][];
}

/**
 * The text fields in every demo's defaults, and what a config saved before they existed (an
 * old share link or v1 checkpoint) gets: the default text model, 2 × 64 with 4 heads, which
 * writes recognisable city names within a few minutes on a laptop GPU.
 */
export const TEXT_FIELD_DEFAULTS = {
  layers: 2,
  heads: 4,
  width: 64,
  context: 32,
  weightDecay: 0.1,
  gradClip: 1,
  warmupSteps: 100,
  taskLength: 8,
  taskDigits: 3,
} as const satisfies Partial<TrainConfig>;

const DEMO_DEFAULTS: Record<DemoKind, TrainConfig> = {
  classify2d: {
    demo: 'classify2d',
    dataset: 'spiral',
    samples: 400,
    noise: 0.1,
    testFraction: 0.2,
    features: ['x', 'y'],
    model: 'mlp',
    hidden: [16, 16],
    activation: 'relu',
    optimizer: 'adam',
    learningRate: 0.03,
    batchSize: 32,
    schedule: 'constant',
    decaySteps: 1000,
    l2: 0,
    dropout: 0,
    seed: 1,
    ...TEXT_FIELD_DEFAULTS,
    points: [],
  },
  digits: {
    demo: 'digits',
    dataset: 'mnist',
    samples: 10000,
    noise: 0,
    testFraction: 0.2,
    features: ['x', 'y'],
    model: 'mlp',
    hidden: [64],
    activation: 'relu',
    optimizer: 'adam',
    learningRate: 0.002,
    batchSize: 64,
    schedule: 'constant',
    decaySteps: 1000,
    l2: 0,
    dropout: 0,
    seed: 1,
    ...TEXT_FIELD_DEFAULTS,
    points: [],
  },
  curve: {
    demo: 'curve',
    dataset: 'sine',
    samples: 120,
    noise: 0.1,
    testFraction: 0.2,
    features: ['x'],
    model: 'mlp',
    hidden: [24, 24],
    activation: 'tanh',
    optimizer: 'adam',
    learningRate: 0.01,
    batchSize: 16,
    schedule: 'constant',
    decaySteps: 1000,
    l2: 0,
    dropout: 0,
    seed: 1,
    ...TEXT_FIELD_DEFAULTS,
    points: [],
  },
  text: {
    demo: 'text',
    dataset: 'cities',
    samples: 400,
    noise: 0,
    testFraction: 0.1,
    features: ['x'],
    model: 'gpt',
    hidden: [],
    activation: 'relu',
    optimizer: 'adam',
    learningRate: 0.003,
    batchSize: 32,
    schedule: 'warmupCosine',
    decaySteps: 5000,
    l2: 0,
    dropout: 0,
    seed: 1,
    ...TEXT_FIELD_DEFAULTS,
    points: [],
  },
};

/**
 * Settings that may change in the middle of a run: the trainer reads them on every step, so
 * changing them continues the run. Any other change starts a new run.
 */
export const LIVE_KEYS = ['learningRate', 'schedule', 'decaySteps', 'l2', 'dropout', 'weightDecay', 'gradClip', 'warmupSteps'] as const satisfies readonly (keyof TrainConfig)[];

/** True when `next` differs from `current` only in `keys`. */
function differsOnlyIn(current: TrainConfig, next: TrainConfig, keys: readonly string[]): boolean {
  const allowed = new Set(keys);
  return (Object.keys(next) as (keyof TrainConfig)[]).every((key) => allowed.has(key) || JSON.stringify(current[key]) === JSON.stringify(next[key]));
}

/** True when `next` differs from `current` only in LIVE_KEYS. */
export function isLiveChange(current: TrainConfig, next: TrainConfig): boolean {
  return differsOnlyIn(current, next, LIVE_KEYS);
}

/**
 * True when a curve run's training points change (placed, moved or removed points, or back to
 * the sine), with at most LIVE_KEYS besides: the run keeps its weights, optimizer state and
 * step and trains on the new points from the next step boundary (Trainer.replaceData).
 */
export function isPointsChange(current: TrainConfig, next: TrainConfig): boolean {
  // A CSV file is data of its own: moving to or from one starts a new run.
  const placeable = (config: TrainConfig) => config.demo === 'curve' && (CURVE_DATASETS as readonly string[]).includes(config.dataset);
  return placeable(current) && placeable(next) && !isLiveChange(current, next) && differsOnlyIn(current, next, [...LIVE_KEYS, 'dataset', 'points']);
}

/** True when changing `current` into `next` continues the run instead of starting a new one. */
export function continuesRun(current: TrainConfig, next: TrainConfig): boolean {
  return isLiveChange(current, next) || isPointsChange(current, next);
}

export function defaultConfig(demo: DemoKind = 'classify2d'): TrainConfig {
  const config = DEMO_DEFAULTS[demo];
  return { ...config, features: [...config.features], hidden: [...config.hidden], points: [] };
}

function numberSchema(field: NumericField) {
  const { label, min, max, integer } = NUMERIC_FIELDS[field] as { label: string; min: number; max: number; integer: boolean };
  const range = `${label} must be a number from ${min} to ${max}.`;
  return v.pipe(
    v.number(`${label} must be a number.`),
    v.finite(`${label} must be a finite number.`),
    v.check((n) => !integer || Number.isInteger(n), `${label} must be a whole number.`),
    v.minValue(min, range),
    v.maxValue(max, range),
  );
}

function coordinateSchema(axis: 'x' | 'y', extent: number) {
  const range = `A point's ${axis} must be a number from ${-extent} to ${extent}, inside the picture.`;
  return v.pipe(v.number(`A point's ${axis} must be a number.`), v.finite(`A point's ${axis} must be a finite number.`), v.minValue(-extent, range), v.maxValue(extent, range));
}

/** A placed curve point: first its shape, [x, y], then each coordinate. */
function pointSchema() {
  const pair = 'Each point must be a pair of numbers [x, y], like [0.5, -0.25].';
  return v.pipe(v.array(v.unknown(), pair), v.length(2, pair), v.strictTuple([coordinateSchema('x', X_EXTENT), coordinateSchema('y', Y_EXTENT)], pair));
}

/** The schema every config that crosses an edge (URL, file, worker message) is checked with. */
export const TrainConfigSchema = v.strictObject(
  {
    demo: v.picklist(DEMOS, 'Demo must be one of: ' + DEMOS.join(', ') + '.'),
    dataset: v.picklist(DATASETS, 'Dataset must be one of: ' + DATASETS.join(', ') + '.'),
    samples: numberSchema('samples'),
    noise: numberSchema('noise'),
    testFraction: numberSchema('testFraction'),
    features: v.pipe(
      v.array(v.picklist(FEATURES, 'Features must be among: ' + FEATURES.join(', ') + '.'), 'Features must be a list of feature names, like ["x", "y"].'),
      v.minLength(1, 'Choose at least one input feature.'),
      v.maxLength(FEATURES.length, 'List each input feature at most once.'),
    ),
    model: v.picklist(MODELS, 'Model must be one of: ' + MODELS.join(', ') + '.'),
    hidden: v.pipe(
      v.array(numberSchema('hiddenUnits'), 'Hidden layers must be a list of unit counts, like [16, 16].'),
      v.maxLength(MAX_HIDDEN_LAYERS, `Use at most ${MAX_HIDDEN_LAYERS} hidden layers.`),
    ),
    activation: v.picklist(ACTIVATIONS, 'Activation must be one of: ' + ACTIVATIONS.join(', ') + '.'),
    optimizer: v.picklist(OPTIMIZERS, 'Optimizer must be one of: ' + OPTIMIZERS.join(', ') + '.'),
    learningRate: numberSchema('learningRate'),
    batchSize: numberSchema('batchSize'),
    schedule: v.picklist(SCHEDULES, 'Schedule must be one of: ' + SCHEDULES.join(', ') + '.'),
    decaySteps: numberSchema('decaySteps'),
    l2: numberSchema('l2'),
    dropout: numberSchema('dropout'),
    seed: numberSchema('seed'),
    // Optional with defaults: configs written before the text demo (old links, v1 checkpoints) still parse.
    layers: v.optional(numberSchema('layers'), TEXT_FIELD_DEFAULTS.layers),
    heads: v.optional(numberSchema('heads'), TEXT_FIELD_DEFAULTS.heads),
    width: v.optional(numberSchema('width'), TEXT_FIELD_DEFAULTS.width),
    context: v.optional(numberSchema('context'), TEXT_FIELD_DEFAULTS.context),
    weightDecay: v.optional(numberSchema('weightDecay'), TEXT_FIELD_DEFAULTS.weightDecay),
    gradClip: v.optional(numberSchema('gradClip'), TEXT_FIELD_DEFAULTS.gradClip),
    warmupSteps: v.optional(numberSchema('warmupSteps'), TEXT_FIELD_DEFAULTS.warmupSteps),
    taskLength: v.optional(numberSchema('taskLength'), TEXT_FIELD_DEFAULTS.taskLength),
    taskDigits: v.optional(numberSchema('taskDigits'), TEXT_FIELD_DEFAULTS.taskDigits),
    // Optional too: configs from before placed points have none.
    points: v.optional(
      v.pipe(
        v.array(pointSchema(), 'Points must be a list of [x, y] pairs, like [[0.5, -0.25], [1, 0.75]].'),
        v.maxLength(MAX_CURVE_POINTS, `Use at most ${MAX_CURVE_POINTS} points.`),
      ),
      [],
    ),
  },
  (issue) =>
    issue.expected === 'never'
      ? `Unknown setting "${String(issue.path?.at(-1)?.key ?? '')}"; this version of the playground does not have it.`
      : 'The settings must be an object with one field per setting.',
);

/** Rules between fields that a per-field schema cannot express. */
function checkCombination(config: TrainConfig): void {
  const expectedDataset = { classify2d: [...DATASETS_2D, 'csv'] as readonly string[], curve: [...CURVE_DATASETS, 'csv'] as readonly string[], digits: ['mnist'], text: TEXT_DATASETS as readonly string[] }[config.demo];
  if (!expectedDataset.includes(config.dataset)) {
    throw new ConfigError('dataset', `The ${config.demo} demo cannot use the ${config.dataset} dataset; pick one of: ${expectedDataset.join(', ')}.`);
  }
  if (config.dataset === 'points' && config.points.length === 0) {
    throw new ConfigError('points', 'The points dataset needs at least one point in "points"; place points on the picture, or use the sine dataset.');
  }
  if (config.dataset !== 'points' && config.points.length > 0) {
    throw new ConfigError('points', `Only the points dataset trains on "points", but the dataset is ${config.dataset}; set the dataset to points, or leave "points" empty.`);
  }
  if (config.model === 'cnn' && config.demo !== 'digits') {
    throw new ConfigError('model', 'The small CNN only works on the handwritten digits; pick the MLP for this demo.');
  }
  const textModel = (TEXT_MODELS as readonly string[]).includes(config.model);
  if (config.demo === 'text' ? !textModel : textModel) {
    throw new ConfigError('model', config.demo === 'text' ? 'The text demo trains a bigram table or a transformer (gpt); pick one of those.' : `The ${config.model} model only works in the text demo; pick the MLP for this demo.`);
  }
  // The text demo's Adam is AdamW: Adam with the decoupled weight decay of `weightDecay`.
  if (config.demo === 'text' && config.optimizer !== 'adam') {
    throw new ConfigError('optimizer', 'The text demo trains with AdamW (Adam with decoupled weight decay); pick adam.');
  }
  if (config.demo === 'text' && config.width % config.heads !== 0) {
    throw new ConfigError('width', `Width (${config.width}) must be divisible by the number of heads (${config.heads}); try ${config.heads * Math.max(1, Math.round(config.width / config.heads))}.`);
  }
  if (config.demo === 'text' && config.testFraction > 0.5) {
    throw new ConfigError('testFraction', 'Test fraction must be at most 0.5 in the text demo, so most of the text is left to train on.');
  }
  if (new Set(config.features).size !== config.features.length) {
    throw new ConfigError('features', 'List each input feature at most once.');
  }
}

/** Validates an untrusted value into a TrainConfig, or throws a ConfigError naming the key. */
export function parseConfig(input: unknown): TrainConfig {
  const result = v.safeParse(TrainConfigSchema, input);
  if (!result.success) {
    const issue = result.issues[0];
    const key = issue.path?.map((p) => String(p.key)).join('.') ?? 'config';
    // "points.12.0": say which point, counted from 1 as a reader counts them.
    const point = key.match(/^points\.(\d+)/);
    throw new ConfigError(key, point ? `Point ${Number(point[1]) + 1}: ${issue.message}` : issue.message);
  }
  const config = result.output as TrainConfig;
  checkCombination(config);
  return config;
}

export type FieldResult = { ok: true; value: number } | { ok: false; message: string };

/** Validates one typed-in value, as the form does on every keystroke. */
export function parseNumericField(field: NumericField, text: string): FieldResult {
  const { label, min, max, integer } = NUMERIC_FIELDS[field];
  const range = `${integer ? 'a whole number' : 'a number'} from ${min} to ${max}`;
  const trimmed = text.trim();
  if (trimmed === '') return { ok: false, message: `${label} is empty; enter ${range}.` };
  const value = Number(trimmed);
  if (!Number.isFinite(value)) return { ok: false, message: `${label} must be ${range}; "${trimmed}" is not a number.` };
  if (integer && !Number.isInteger(value)) return { ok: false, message: `${label} must be ${range}; ${trimmed} is not whole.` };
  if (value < min || value > max) return { ok: false, message: `${label} must be ${range}; ${trimmed} is out of range.` };
  return { ok: true, value };
}
