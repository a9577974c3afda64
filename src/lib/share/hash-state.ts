import * as v from 'valibot';
import { defaultConfig, parseConfig, type TrainConfig } from '../engine/config.ts';
import { ConfigError } from '../engine/errors.ts';

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

// Valibot's own messages ("Invalid type: Expected ...") never reach the user: linkProblem()
// words every issue of this schema itself, naming the part of the link and what it should be.
const EnvelopeSchema = v.strictObject({
  v: v.literal(HASH_VERSION),
  config: v.unknown(),
  hide: v.optional(v.pipe(v.array(v.picklist(HIDEABLE_CONTROLS)), v.maxLength(HIDEABLE_CONTROLS.length)), []),
});
const ENVELOPE_KEYS = ['v', 'config', 'hide'];

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

/** Reads `location.hash` (with or without '#'). Every problem with the hash becomes a message; it throws only on a bug. */
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
    return fallback(`its text after "#${prefix}" is not correctly URL-encoded`);
  }
  let data: unknown;
  try {
    // The reviver runs before any object is built from a key, so "__proto__" never reaches a prototype.
    data = JSON.parse(json, (key, value) => {
      if (FORBIDDEN_KEYS.has(key)) throw new SyntaxError(`forbidden key "${key}"`);
      return value;
    });
  } catch (error) {
    const message = (error as Error).message;
    return fallback(
      message.startsWith('forbidden key') ? `it contains the ${message}` : `its text after "#${prefix}" is not valid JSON (it may have been cut short when it was copied)`,
    );
  }

  const envelope = v.safeParse(EnvelopeSchema, data);
  if (!envelope.success) return fallback(linkProblem(envelope.issues[0], data));
  try {
    const config = parseConfig(envelope.output.config);
    return { kind: 'ok', experiment: { config, hide: [...new Set(envelope.output.hide)] } };
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return fallback(settingProblem(error, envelope.output.config));
  }
}

/** Says which part of the link is wrong, what it holds and what it should hold. */
function linkProblem(issue: v.BaseIssue<unknown>, data: unknown): string {
  const [first, second] = issue.path ?? [];
  // Valibot takes an array for an object with missing keys; it is not one.
  if (!first || Array.isArray(data)) return `it holds ${shown(data)} instead of an object like {"v": ${HASH_VERSION}, "config": {…}}`;
  const key = String(first.key);
  if (!ENVELOPE_KEYS.includes(key)) {
    return `it has a part "${key.slice(0, 40)}" that this version does not know; a link holds only "v", "config" and "hide"`;
  }
  if (key === 'v') {
    return first.value === undefined
      ? `it has no version number ("v"), which every link of this playground has`
      : `it was made by a different version of the playground: its version ("v") is ${shown(first.value)}, where this playground expects the number ${HASH_VERSION}`;
  }
  if (key === 'config') return 'it has no settings ("config")';
  const hideList = `its list of hidden settings ("hide")`;
  if (second) return `${hideList} names ${shown(second.value)}, a control that does not exist; it may name only ${HIDEABLE_CONTROLS.join(', ')}`;
  if (issue.type === 'max_length') return `${hideList} has more entries than there are settings (${HIDEABLE_CONTROLS.length})`;
  return `${hideList} must be a list of setting names, like ["seed", "optimizer"], but it is ${shown(first.value)}`;
}

/** parseConfig's message says what a setting must be; this adds which setting and what the link gave it. */
function settingProblem(error: ConfigError, config: unknown): string {
  const message = error.message.replace(/\.$/, '');
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    return `its settings ("config") must be an object with one field per setting, like {"learningRate": 0.03}, but they are ${shown(config)}`;
  }
  const key = error.key.split('.')[0];
  const settings = config as Record<string, unknown>;
  if (!(key in settings)) return `its settings ("config") have no "${key}", and a link must give every setting`;
  if (!(key in defaultConfig())) return `its settings ("config") have a setting "${key.slice(0, 40)}" that this version of the playground does not have`;
  return `its setting "${key.slice(0, 40)}" (${shown(settings[key])}) was refused: ${message}`;
}

/** A value from the link as the user could find it there, cut short if long. */
function shown(value: unknown): string {
  const text = typeof value === 'number' ? String(value) : (JSON.stringify(value) ?? String(value));
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

/** The hash for an experiment, including the '#'. */
export function experimentHash(experiment: Experiment): string {
  const json = JSON.stringify({ v: HASH_VERSION, config: experiment.config, hide: experiment.hide });
  return `#${HASH_KEY}=${encodeURIComponent(json)}`;
}
