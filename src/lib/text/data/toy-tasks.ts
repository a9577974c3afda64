import { Rng } from '../../engine/rng.ts';

/**
 * Toy sequence tasks, generated from a seed. Every example is one line of text:
 *
 *   reverse   kqzbfaxe=exafbzqk     reverse `length` lowercase letters
 *   copy      kqzbfaxe=kqzbfaxe     repeat them
 *   sort      52819370=01235789     sort `length` digits, ascending
 *   add       123+45=168            add two numbers of up to `digits` digits (no leading zeros)
 *   brackets  ([{}(=)])             close the brackets a `length`-character prefix left open
 *
 * The prompt is everything up to and including "=", the answer is what follows, and a
 * newline ends the example (for brackets the answer is empty when the prefix is balanced).
 * To test a model, feed it "\n" + prompt (in training every prompt follows a newline) and
 * compare what it writes up to its next newline with the answer: see `isExactMatch`.
 */
export const TOY_TASKS = ['reverse', 'sort', 'add', 'brackets', 'copy'] as const;
export type ToyTaskName = (typeof TOY_TASKS)[number];

export interface ToyExample {
  /** The question, ending in "=". */
  prompt: string;
  /** The exact text expected after the prompt, without the newline. */
  answer: string;
}

export interface ToyTaskOptions {
  /** Characters per prompt for reverse, copy, sort and brackets. */
  length: number;
  /** Most digits per number for add. */
  digits: number;
}

const LETTERS = 'abcdefghijklmnopqrstuvwxyz';
const DIGITS = '0123456789';
const OPENERS = '([{';
const CLOSERS = ')]}';

function randomString(rng: Rng, alphabet: string, length: number): string {
  let text = '';
  for (let i = 0; i < length; i++) text += alphabet[rng.int(alphabet.length)];
  return text;
}

/** A prefix of a balanced string: close the innermost bracket or open a new one, at even odds. */
function bracketPrefix(rng: Rng, length: number): { prompt: string; answer: string } {
  const open: number[] = [];
  let prompt = '';
  for (let i = 0; i < length; i++) {
    if (open.length > 0 && rng.next() < 0.5) {
      prompt += CLOSERS[open.pop()!];
    } else {
      const kind = rng.int(OPENERS.length);
      open.push(kind);
      prompt += OPENERS[kind];
    }
  }
  const answer = open.reverse().map((kind) => CLOSERS[kind]).join('');
  return { prompt, answer };
}

interface ToyTask {
  /** Every character an example can contain besides "=" and newline, so the vocabulary never depends on the seed. */
  alphabet: string;
  generate: (rng: Rng, options: ToyTaskOptions) => ToyExample;
}

const TASKS: Record<ToyTaskName, ToyTask> = {
  reverse: {
    alphabet: LETTERS,
    generate: (rng, { length }) => {
      const text = randomString(rng, LETTERS, length);
      return { prompt: `${text}=`, answer: [...text].reverse().join('') };
    },
  },
  copy: {
    alphabet: LETTERS,
    generate: (rng, { length }) => {
      const text = randomString(rng, LETTERS, length);
      return { prompt: `${text}=`, answer: text };
    },
  },
  sort: {
    alphabet: DIGITS,
    generate: (rng, { length }) => {
      const text = randomString(rng, DIGITS, length);
      return { prompt: `${text}=`, answer: [...text].sort().join('') };
    },
  },
  add: {
    alphabet: `${DIGITS}+`,
    generate: (rng, { digits }) => {
      const a = rng.int(10 ** digits);
      const b = rng.int(10 ** digits);
      return { prompt: `${a}+${b}=`, answer: String(a + b) };
    },
  },
  brackets: {
    alphabet: OPENERS + CLOSERS,
    generate: (rng, { length }) => {
      const { prompt, answer } = bracketPrefix(rng, length);
      return { prompt: `${prompt}=`, answer };
    },
  },
};

/** All characters the task can write, including "=" and the newline that ends each example. */
export function toyTaskAlphabet(task: ToyTaskName): string {
  return `${TASKS[task].alphabet}=\n`;
}

/** The line an example is trained on. */
export function formatToyExample(example: ToyExample): string {
  return `${example.prompt}${example.answer}\n`;
}

/** Whether a model's continuation of the prompt, read up to its first newline, is exactly the answer. */
export function isExactMatch(example: ToyExample, continuation: string): boolean {
  const end = continuation.indexOf('\n');
  return (end === -1 ? continuation : continuation.slice(0, end)) === example.answer;
}

/** murmur3's finaliser: FNV-style hashes of strings that differ in one late character are close; this spreads them out. */
function mix32(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

function hashPrompt(prompt: string, seed: number): number {
  let h = (0x811c9dc5 ^ mix32(seed >>> 0)) >>> 0;
  for (let i = 0; i < prompt.length; i++) h = Math.imul(h ^ prompt.charCodeAt(i), 0x01000193);
  return mix32(h);
}

/**
 * Whether a prompt belongs to the held-out side. The split is a seeded hash of the prompt
 * itself, so a held-out question can never also appear in training, however many training
 * examples are drawn, and the same seed always holds out the same questions.
 */
export function isHeldOutPrompt(prompt: string, seed: number, heldOutFraction: number): boolean {
  return hashPrompt(prompt, seed) / 4294967296 < heldOutFraction;
}

export interface ToyExampleRequest {
  task: ToyTaskName;
  options: ToyTaskOptions;
  seed: number;
  heldOutFraction: number;
  count: number;
}

/**
 * Training examples: `count` draws (repeats allowed, as from an endless generator) whose
 * prompts are on the training side of the split.
 */
export function generateTrainingExamples({ task, options, seed, heldOutFraction, count }: ToyExampleRequest): ToyExample[] {
  const rng = Rng.seeded(seed, `text-task-train-${task}`);
  const examples: ToyExample[] = [];
  for (let attempts = 0; examples.length < count && attempts < 100 * count + 1000; attempts++) {
    const example = TASKS[task].generate(rng, options);
    if (!isHeldOutPrompt(example.prompt, seed, heldOutFraction)) examples.push(example);
  }
  if (examples.length < count) throw new Error(`The ${task} task could not draw ${count} training examples; hold out a smaller share of its questions.`);
  return examples;
}

/**
 * Held-out examples for exact match: up to `count` distinct prompts from the held-out side.
 * A task with few possible questions (1-digit addition has 100) may yield fewer; the caller
 * reports how many it got.
 */
export function generateHeldOutExamples({ task, options, seed, heldOutFraction, count }: ToyExampleRequest): ToyExample[] {
  const rng = Rng.seeded(seed, `text-task-heldout-${task}`);
  const byPrompt = new Map<string, ToyExample>();
  for (let attempts = 0; byPrompt.size < count && attempts < 100 * count + 1000; attempts++) {
    const example = TASKS[task].generate(rng, options);
    if (isHeldOutPrompt(example.prompt, seed, heldOutFraction)) byPrompt.set(example.prompt, example);
  }
  return [...byPrompt.values()];
}
