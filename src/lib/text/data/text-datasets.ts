import { ConfigError } from '../../engine/errors.ts';
import { hashString, Rng } from '../../engine/rng.ts';
import { splitIndices } from '../../datasets/split.ts';
import { CharVocab } from './char-vocab.ts';
import { NAME_LISTS, parseNameList, type NameListName } from './name-lists.ts';
import {
  formatToyExample,
  generateHeldOutExamples,
  generateTrainingExamples,
  TOY_TASKS,
  toyTaskAlphabet,
  type ToyExample,
  type ToyTaskName,
} from './toy-tasks.ts';
import { heldOutWindows, heldOutWindowsAt, newlinePositions, sampleWindows, sampleWindowsAt, type TokenWindows } from './windows.ts';

/** Every text a run can learn, by name; the order is the order a picker shows them in. */
export const TEXT_DATASETS = [...NAME_LISTS, ...TOY_TASKS, 'custom'] as const;
export type TextDatasetName = (typeof TEXT_DATASETS)[number];

/** What a dataset is made of: a list fetched from our origin, a generated task, or the student's text. */
export function textDatasetKind(name: TextDatasetName): 'nameList' | 'toyTask' | 'custom' {
  if ((NAME_LISTS as readonly string[]).includes(name)) return 'nameList';
  if ((TOY_TASKS as readonly string[]).includes(name)) return 'toyTask';
  return 'custom';
}

export interface TextDataConfig {
  /** Which text to learn. */
  textDataset: TextDatasetName;
  /** Seeds the held-out split, the order of names and the toy examples. */
  seed: number;
  /** Share of the names, text blocks or toy questions held out for the held-out loss. */
  testFraction: number;
  /** Characters per prompt for reverse, sort, copy and brackets. */
  taskLength: number;
  /** Most digits per number for add. */
  taskDigits: number;
  /** Toy examples in the training text (about 10 to 20 characters each). */
  taskExamples: number;
  /** Held-out toy examples scored by exact match. */
  taskTestExamples: number;
}

export const DEFAULT_TEXT_DATA_CONFIG = {
  textDataset: 'cities',
  seed: 1,
  testFraction: 0.1,
  // Length 8 is the reference task in the README (steps to 99% exact match on reverse).
  taskLength: 8,
  taskDigits: 3,
  // ~20k examples of ~18 characters: 360k training characters, more than a short run sees twice.
  taskExamples: 20_000,
  taskTestExamples: 200,
} satisfies TextDataConfig;

/** Limits of the numeric fields, for the form and the config schema; buildTextDataset checks them too. */
export const TEXT_DATA_FIELDS = {
  seed: { label: 'Seed', min: 0, max: 2 ** 31 - 1, integer: true },
  testFraction: { label: 'Held-out share', min: 0.05, max: 0.5, integer: false },
  taskLength: { label: 'Task length', min: 1, max: 32, integer: true },
  // 10^9 + 10^9 is still an exact integer, and rng.int(10^9) stays well inside 32 bits.
  taskDigits: { label: 'Digits', min: 1, max: 9, integer: true },
  taskExamples: { label: 'Training examples', min: 100, max: 200_000, integer: true },
  taskTestExamples: { label: 'Held-out examples', min: 1, max: 5_000, integer: true },
} as const;

/** Text that cannot be derived from the config and must be loaded first. */
export interface TextSources {
  /** The fetched text of data/text-<name>.txt, for a name list. */
  nameList?: string;
  /** The student's text, already passed through validateCustomText. */
  customText?: string;
}

export interface TextDataset {
  name: TextDatasetName;
  /** Built from training and held-out text together, so both encode without unknown characters. */
  vocab: CharVocab;
  trainText: string;
  heldOutText: string;
  trainTokens: Int32Array;
  heldOutTokens: Int32Array;
  /** Held-out toy questions for exact match; empty for names and custom text. */
  examples: ToyExample[];
  /** A hash (FNV-1a, hex) of the training and held-out text, so a resumed run can tell that its data changed, e.g. after a package update. */
  fingerprint: string;
  /**
   * Toy tasks only: where windows start, the newline before each example (see
   * `sampleWindowsAt`); null for names and custom text, whose windows start anywhere.
   */
  windowStarts: { train: Int32Array; heldOut: Int32Array } | null;
}

function checkConfig(config: TextDataConfig): void {
  if (!(TEXT_DATASETS as readonly string[]).includes(config.textDataset)) {
    throw new ConfigError('textDataset', `Text dataset must be one of: ${TEXT_DATASETS.join(', ')}.`);
  }
  for (const [key, { label, min, max, integer }] of Object.entries(TEXT_DATA_FIELDS)) {
    const value = config[key as keyof typeof TEXT_DATA_FIELDS];
    if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
      throw new ConfigError(key, `${label} must be a ${integer ? 'whole number' : 'number'} from ${min} to ${max}.`);
    }
  }
}

/**
 * Holds out a seeded share of `units` (names or text blocks). The training units are
 * shuffled, because the lists are sorted (alphabetically, or by population) and a window
 * spanning neighbours would otherwise learn that the next word shares the last one's prefix.
 */
function splitUnits(units: string[], config: TextDataConfig): { train: string[]; heldOut: string[] } {
  const { train, test } = splitIndices(units.length, config.testFraction, config.seed);
  const order = Rng.seeded(config.seed, 'text-order').shuffle(train.slice());
  return { train: Array.from(order, (i) => units[i]), heldOut: Array.from(test, (i) => units[i]) };
}

function fromSplit(name: TextDatasetName, trainText: string, heldOutText: string, examples: ToyExample[], vocab: CharVocab): TextDataset {
  const trainTokens = vocab.encode(trainText);
  const heldOutTokens = vocab.encode(heldOutText);
  const newline = vocab.idOf('\n');
  return {
    name,
    vocab,
    trainText,
    heldOutText,
    trainTokens,
    heldOutTokens,
    examples,
    fingerprint: hashString(`${trainText}\u0000${heldOutText}`).toString(16).padStart(8, '0'),
    windowStarts: examples.length > 0 ? { train: newlinePositions(trainTokens, newline), heldOut: newlinePositions(heldOutTokens, newline) } : null,
  };
}

function nameListDataset(name: NameListName, config: TextDataConfig, sources: TextSources): TextDataset {
  if (sources.nameList === undefined) throw new Error(`The ${name} list is not loaded yet; fetch data/text-${name}.txt before building this dataset.`);
  const { train, heldOut } = splitUnits(parseNameList(sources.nameList, name), config);
  // Every name ends with a newline, so the model learns where names end and a sample is a list.
  const trainText = train.join('\n') + '\n';
  const heldOutText = heldOut.join('\n') + '\n';
  return fromSplit(name, trainText, heldOutText, [], CharVocab.fromText(trainText, heldOutText));
}

/** Blocks of at most this many characters; small texts get 20 blocks so the held-out share is honoured. */
const MAX_BLOCK_CHARS = 1024;
const MIN_BLOCKS = 20;

/**
 * The student's text is split into contiguous blocks (by code point), and a seeded share of
 * blocks is held out. Lines would not do: a text may be one long paragraph. The training
 * blocks are joined in their original order, so prose stays prose except at a few seams.
 */
function customDataset(config: TextDataConfig, sources: TextSources): TextDataset {
  if (sources.customText === undefined) throw new Error('No text of your own is loaded; paste or drop a text before building this dataset.');
  const chars = Array.from(sources.customText);
  const blockChars = Math.max(1, Math.min(MAX_BLOCK_CHARS, Math.ceil(chars.length / MIN_BLOCKS)));
  const blocks: string[] = [];
  for (let start = 0; start < chars.length; start += blockChars) blocks.push(chars.slice(start, start + blockChars).join(''));
  const { train, test } = splitIndices(blocks.length, config.testFraction, config.seed);
  const trainText = Array.from(train, (i) => blocks[i]).join('');
  const heldOutText = Array.from(test, (i) => blocks[i]).join('');
  return fromSplit('custom', trainText, heldOutText, [], CharVocab.fromText(sources.customText));
}

function toyTaskDataset(task: ToyTaskName, config: TextDataConfig): TextDataset {
  const request = { task, options: { length: config.taskLength, digits: config.taskDigits }, seed: config.seed, heldOutFraction: config.testFraction };
  const training = generateTrainingExamples({ ...request, count: config.taskExamples });
  const examples = generateHeldOutExamples({ ...request, count: config.taskTestExamples });
  if (examples.length === 0) {
    const [key, fix] = task === 'add' ? ['taskDigits', 'use more digits'] : ['taskLength', 'make the prompts longer'];
    throw new ConfigError(key, `The ${task} task with these settings has too few different questions to hold any out; ${fix}.`);
  }
  // The vocabulary is the task's whole alphabet, not what the seed happened to draw, so a prompt typed later always encodes.
  const vocab = CharVocab.fromText(toyTaskAlphabet(task));
  const trainText = training.map(formatToyExample).join('');
  const heldOutText = examples.map(formatToyExample).join('');
  return fromSplit(task, trainText, heldOutText, examples, vocab);
}

/** Builds the text a run trains and evaluates on; a pure function of the config and the loaded sources. */
export function buildTextDataset(config: TextDataConfig, sources: TextSources = {}): TextDataset {
  checkConfig(config);
  const name = config.textDataset;
  switch (textDatasetKind(name)) {
    case 'nameList':
      return nameListDataset(name as NameListName, config, sources);
    case 'toyTask':
      return toyTaskDataset(name as ToyTaskName, config);
    case 'custom':
      return customDataset(config, sources);
  }
}

/**
 * The next training batch: windows at random starts for names and custom text, at the start of
 * a random example for the toy tasks. Either way each window draws one number from `rng`.
 */
export function trainingWindows(dataset: TextDataset, context: number, batch: number, rng: Rng): TokenWindows {
  const starts = dataset.windowStarts?.train;
  return starts ? sampleWindowsAt(dataset.trainTokens, starts, context, batch, rng) : sampleWindows(dataset.trainTokens, context, batch, rng);
}

/** The fixed held-out windows, cut the way `trainingWindows` cuts the training text. */
export function evaluationWindows(dataset: TextDataset, context: number, maxWindows: number): TokenWindows {
  const starts = dataset.windowStarts?.heldOut;
  return starts ? heldOutWindowsAt(dataset.heldOutTokens, starts, context, maxWindows) : heldOutWindows(dataset.heldOutTokens, context, maxWindows);
}
