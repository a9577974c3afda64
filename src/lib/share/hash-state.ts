import * as v from 'valibot';
import { defaultConfig, parseConfig, type TrainConfig } from '../engine/config.ts';
import { ConfigError } from '../engine/errors.ts';

/**
 * A share link carries the whole experiment in the URL hash, as
 * `#experiment=<URI-encoded JSON>` with JSON `{ "v": 1, "config": TrainConfig, "hide": [...] }`,
 * and optionally `"compare": [TrainConfig, …]` (the other runs of a comparison, run 2 onwards)
 * and `"note": "…"` (a teacher's note, shown as text). The hash is parsed once, here, and
 * everything in it is validated against the config schema; anything unexpected falls back to
 * the defaults with a sentence saying why. A link never carries data of one's own: a run on a
 * CSV file (`"dataset": "csv"`) or on one's own text links only its settings, and whoever
 * opens it is asked for the file.
 */
export const HASH_KEY = 'experiment';
export const HASH_VERSION = 1;
/**
 * Longer hashes are refused before parsing: no real experiment needs this much. A config takes
 * ~460 characters encoded, and up to ~6,600 more with MAX_CURVE_POINTS placed curve points (two
 * decimals each, as the picture places them), so a comparison of MAX_COMPARED_RUNS such runs
 * takes ~42,000, and a note of MAX_NOTE_LENGTH emoji up to 6,000 more.
 */
export const MAX_HASH_LENGTH = 50000;
/** Most runs a comparison (and so a comparison link) holds; more lines would not read on one chart. */
export const MAX_COMPARED_RUNS = 6;
/** Longest teacher's note, in characters as a reader counts them (an emoji is one). */
export const MAX_NOTE_LENGTH = 500;

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
  /** The other runs of a comparison link, run 2 onwards; absent in a one-run link. */
  compare?: TrainConfig[];
  /** The teacher's note; absent when there is none. */
  note?: string;
}

/** A sentence refusing a note that is too long, or null when the note fits. */
export function noteProblem(note: string): string | null {
  const length = [...note].length;
  return length > MAX_NOTE_LENGTH
    ? `The teacher's note is ${length} characters long; shorten it to ${MAX_NOTE_LENGTH} characters or fewer to put it in the link.`
    : null;
}

// Valibot's own messages ("Invalid type: Expected ...") never reach the user: linkProblem()
// words every issue of this schema itself, naming the part of the link and what it should be.
const EnvelopeSchema = v.strictObject({
  v: v.literal(HASH_VERSION),
  config: v.unknown(),
  hide: v.optional(v.pipe(v.array(v.picklist(HIDEABLE_CONTROLS)), v.maxLength(HIDEABLE_CONTROLS.length)), []),
  compare: v.optional(v.pipe(v.array(v.unknown()), v.minLength(1), v.maxLength(MAX_COMPARED_RUNS - 1))),
  note: v.optional(v.string()),
});
const ENVELOPE_KEYS = ['v', 'config', 'hide', 'compare', 'note'];

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
  const { hide, compare, note } = envelope.output;
  if (note !== undefined && noteProblem(note)) return fallback(`its teacher's note ("note") is ${[...note].length} characters long, and a note may have at most ${MAX_NOTE_LENGTH}`);
  const experiment: Experiment = { config: defaultConfig(), hide: [...new Set(hide)] };
  // Run 1 is "config"; the comparison's runs 2, 3, … follow in "compare".
  const configs = [envelope.output.config, ...(compare ?? [])];
  const parsed: TrainConfig[] = [];
  for (const [index, config] of configs.entries()) {
    try {
      parsed.push(parseConfig(config));
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      return fallback(settingProblem(error, config, index === 0 ? null : index + 1));
    }
  }
  experiment.config = parsed[0];
  if (compare) experiment.compare = parsed.slice(1);
  if (note !== undefined && note.trim() !== '') experiment.note = note;
  return { kind: 'ok', experiment };
}

/** Says which part of the link is wrong, what it holds and what it should hold. */
function linkProblem(issue: v.BaseIssue<unknown>, data: unknown): string {
  const [first, second] = issue.path ?? [];
  // Valibot takes an array for an object with missing keys; it is not one.
  if (!first || Array.isArray(data)) return `it holds ${shown(data)} instead of an object like {"v": ${HASH_VERSION}, "config": {…}}`;
  const key = String(first.key);
  if (!ENVELOPE_KEYS.includes(key)) {
    return `it has a part "${key.slice(0, 40)}" that this version does not know; a link holds only "v", "config", "hide", "compare" and "note"`;
  }
  if (key === 'v') {
    return first.value === undefined
      ? `it has no version number ("v"), which every link of this playground has`
      : `it was made by a different version of the playground: its version ("v") is ${shown(first.value)}, where this playground expects the number ${HASH_VERSION}`;
  }
  if (key === 'config') return 'it has no settings ("config")';
  if (key === 'note') return `its teacher's note ("note") must be text in quotes, but it is ${shown(first.value)}`;
  if (key === 'compare') {
    const runs = `its list of runs to compare ("compare")`;
    if (issue.type === 'max_length') return `${runs} has more than ${MAX_COMPARED_RUNS - 1} entries; a comparison holds at most ${MAX_COMPARED_RUNS} runs`;
    if (issue.type === 'min_length') return `${runs} is empty; a comparison link lists the settings of runs 2 onwards`;
    return `${runs} must be a list of settings, like [{"learningRate": 0.3, …}], but it is ${shown(first.value)}`;
  }
  const hideList = `its list of hidden settings ("hide")`;
  if (second) return `${hideList} names ${shown(second.value)}, a control that does not exist; it may name only ${HIDEABLE_CONTROLS.join(', ')}`;
  if (issue.type === 'max_length') return `${hideList} has more entries than there are settings (${HIDEABLE_CONTROLS.length})`;
  return `${hideList} must be a list of setting names, like ["seed", "optimizer"], but it is ${shown(first.value)}`;
}

/**
 * parseConfig's message says what a setting must be; this adds which setting and what the link
 * gave it, and for a comparison link which run (`run` is 2 or more; null for "config").
 */
function settingProblem(error: ConfigError, config: unknown, run: number | null): string {
  const message = error.message.replace(/\.$/, '');
  const settingsOf = run === null ? 'its settings ("config")' : `the settings of its run ${run} (in "compare")`;
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    return `${settingsOf} must be an object with one field per setting, like {"learningRate": 0.03}, but they are ${shown(config)}`;
  }
  const key = error.key.split('.')[0];
  const settings = config as Record<string, unknown>;
  if (!(key in settings)) return `${settingsOf} have no "${key}", and a link must give every setting`;
  if (!(key in defaultConfig())) return `${settingsOf} have a setting "${key.slice(0, 40)}" that this version of the playground does not have`;
  const setting = run === null ? 'its setting' : `the setting of its run ${run}`;
  return `${setting} "${key.slice(0, 40)}" (${shown(settings[key])}) was refused: ${message}`;
}

/** A value from the link as the user could find it there, cut short if long. */
function shown(value: unknown): string {
  const text = typeof value === 'number' ? String(value) : (JSON.stringify(value) ?? String(value));
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

/** The hash for an experiment, including the '#'. */
export function experimentHash(experiment: Experiment): string {
  const { config, hide, compare, note } = experiment;
  // The page checks both before it makes a link; getting here with either is a bug.
  const tooLong = note ? noteProblem(note) : null;
  if (tooLong) throw new RangeError(tooLong);
  if ((compare?.length ?? 0) > MAX_COMPARED_RUNS - 1) throw new RangeError(`A comparison link holds at most ${MAX_COMPARED_RUNS} runs, but ${compare!.length + 1} were given.`);
  // A one-run link without a note stays as short as links were before comparisons and notes.
  const json = JSON.stringify({ v: HASH_VERSION, config, hide, ...(compare?.length ? { compare } : {}), ...(note ? { note } : {}) });
  return `#${HASH_KEY}=${encodeURIComponent(json)}`;
}
