import * as v from 'valibot';
import { defaultConfig, parseConfig, type TrainConfig } from '../engine/config.ts';

/**
 * A share link carries the whole experiment in the URL hash, as
 * `#experiment=<URI-encoded JSON>` with JSON `{ "v": 1, "config": TrainConfig, "hide": [...] }`.
 * The hash is parsed once, here, and everything in it is validated against the config schema;
 * anything unexpected falls back to the defaults with a sentence saying why.
 */
export const HASH_KEY = 'experiment';
export const HASH_VERSION = 1;
/** Longer hashes are refused before parsing: no real experiment needs this much. */
export const MAX_HASH_LENGTH = 4000;

/** Controls a teacher can hide from students (TF Playground's `_hide`). */
export const HIDEABLE_CONTROLS = [
  'demo',
  'dataset',
  'samples',
  'noise',
  'testFraction',
  'features',
  'model',
  'hidden',
  'activation',
  'optimizer',
  'learningRate',
  'batchSize',
  'schedule',
  'l2',
  'dropout',
  'seed',
] as const;
export type HideableControl = (typeof HIDEABLE_CONTROLS)[number];

export const CONTROL_NAMES: Record<HideableControl, string> = {
  demo: 'Demo',
  dataset: 'Dataset',
  samples: 'Samples',
  noise: 'Noise',
  testFraction: 'Test fraction',
  features: 'Input features',
  model: 'Model',
  hidden: 'Hidden layers',
  activation: 'Activation',
  optimizer: 'Optimizer',
  learningRate: 'Learning rate',
  batchSize: 'Batch size',
  schedule: 'Schedule',
  l2: 'L2',
  dropout: 'Dropout',
  seed: 'Seed',
};

export interface Experiment {
  config: TrainConfig;
  hide: HideableControl[];
}

const EnvelopeSchema = v.strictObject(
  {
    v: v.literal(HASH_VERSION, `this link was made by a different version of the playground (expected version ${HASH_VERSION})`),
    config: v.unknown(),
    hide: v.optional(v.pipe(v.array(v.picklist(HIDEABLE_CONTROLS, 'it hides a control that does not exist')), v.maxLength(HIDEABLE_CONTROLS.length)), []),
  },
  'it has a setting this version does not know',
);

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

export type HashResult =
  /** No experiment in the hash: use the app's defaults, say nothing. */
  | { kind: 'none' }
  | { kind: 'ok'; experiment: Experiment }
  /** A malformed or hostile hash: defaults plus a message for the user. */
  | { kind: 'invalid'; experiment: Experiment; message: string };

const fallback = (why: string): HashResult => ({
  kind: 'invalid',
  experiment: { config: defaultConfig(), hide: [] },
  message: `The link's experiment could not be used because ${why}, so the default experiment was loaded instead. Ask for a fresh link.`,
});

/** Reads `location.hash` (with or without '#'). Never throws. */
export function parseExperimentHash(hash: string): HashResult {
  const text = hash.startsWith('#') ? hash.slice(1) : hash;
  if (text === '') return { kind: 'none' };
  if (text.length > MAX_HASH_LENGTH) return fallback(`it is ${text.length} characters long (at most ${MAX_HASH_LENGTH} are accepted)`);
  const prefix = `${HASH_KEY}=`;
  if (!text.startsWith(prefix)) return fallback(`it does not start with "#${prefix}"`);

  let json: string;
  try {
    json = decodeURIComponent(text.slice(prefix.length));
  } catch {
    return fallback('it is not correctly URL-encoded');
  }
  let data: unknown;
  try {
    // The reviver runs before any object is built from a key, so "__proto__" never reaches a prototype.
    data = JSON.parse(json, (key, value) => {
      if (FORBIDDEN_KEYS.has(key)) throw new SyntaxError(`forbidden key "${key}"`);
      return value;
    });
  } catch (error) {
    const detail = (error as Error).message.startsWith('forbidden key') ? `it contains the ${(error as Error).message}` : 'it is not valid JSON';
    return fallback(detail);
  }

  const envelope = v.safeParse(EnvelopeSchema, data);
  if (!envelope.success) {
    const issue = envelope.issues[0];
    const where = issue.path?.map((p) => String(p.key)).join('.');
    return fallback(`${issue.message}${where ? ` (at "${where.slice(0, 40)}")` : ''}`);
  }
  try {
    const config = parseConfig(envelope.output.config);
    return { kind: 'ok', experiment: { config, hide: [...new Set(envelope.output.hide)] } };
  } catch (error) {
    return fallback(`one of its settings is invalid: ${(error as Error).message.replace(/\.$/, '')}`);
  }
}

/** The hash for an experiment, including the '#'. */
export function experimentHash(experiment: Experiment): string {
  const json = JSON.stringify({ v: HASH_VERSION, config: experiment.config, hide: experiment.hide });
  return `#${HASH_KEY}=${encodeURIComponent(json)}`;
}
