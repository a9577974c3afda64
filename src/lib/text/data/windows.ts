import type { Rng } from '../../engine/rng.ts';

/** A batch of token windows: row b of `inputs` is followed, one token later, by row b of `targets`. */
export interface TokenWindows {
  batch: number;
  context: number;
  /** [batch, context] token ids, row-major. */
  inputs: Int32Array;
  /** [batch, context] ids of the token after each input token. */
  targets: Int32Array;
}

function copyWindow(stream: Int32Array, start: number, context: number, row: number, windows: TokenWindows): void {
  windows.inputs.set(stream.subarray(start, start + context), row * context);
  windows.targets.set(stream.subarray(start + 1, start + context + 1), row * context);
}

function checkLength(stream: Int32Array, context: number, what: string): void {
  if (!Number.isInteger(context) || context < 1) throw new RangeError(`The context must be a whole number of tokens, at least 1, but it is ${context}.`);
  if (stream.length < context + 1) {
    throw new RangeError(`The ${what} has ${stream.length} tokens, but a window of context ${context} needs ${context + 1}; use more text or a shorter context.`);
  }
}

/**
 * `batch` windows of `context + 1` tokens at uniformly random starts. Each window draws
 * exactly one number from `rng`, so saving `rng.state` after a batch and restoring it with
 * `Rng.fromState` gives the same next batch as if training had never stopped.
 */
export function sampleWindows(stream: Int32Array, context: number, batch: number, rng: Rng): TokenWindows {
  checkLength(stream, context, 'training text');
  const windows: TokenWindows = { batch, context, inputs: new Int32Array(batch * context), targets: new Int32Array(batch * context) };
  const starts = stream.length - context;
  for (let row = 0; row < batch; row++) copyWindow(stream, rng.int(starts), context, row, windows);
  return windows;
}

/**
 * Non-overlapping windows from the start of the held-out stream, at most `maxWindows`, so the
 * held-out loss is measured on the same tokens at every step and needs no RNG.
 */
export function heldOutWindows(stream: Int32Array, context: number, maxWindows: number): TokenWindows {
  checkLength(stream, context, 'held-out text');
  const batch = Math.max(1, Math.min(maxWindows, Math.floor((stream.length - 1) / context)));
  const windows: TokenWindows = { batch, context, inputs: new Int32Array(batch * context), targets: new Int32Array(batch * context) };
  for (let row = 0; row < batch; row++) copyWindow(stream, row * context, context, row, windows);
  return windows;
}

/** Positions of every `newline` token: for a toy task, the end of one example and so the start of a window that reads the next. */
export function newlinePositions(stream: Int32Array, newline: number): Int32Array {
  const positions: number[] = [];
  for (let i = 0; i < stream.length; i++) if (stream[i] === newline) positions.push(i);
  return Int32Array.from(positions);
}

/** How many of the ascending `starts` leave room for a whole window before the stream ends. */
function fittingStarts(stream: Int32Array, starts: Int32Array, context: number, what: string): number {
  checkLength(stream, context, what);
  let count = starts.length;
  while (count > 0 && starts[count - 1] + context >= stream.length) count--;
  if (count === 0) throw new RangeError(`The ${what} has no line with ${context + 1} tokens after its start; use more examples or a shorter context.`);
  return count;
}

/**
 * `batch` windows, each starting at one of `starts` chosen uniformly at random. For the toy
 * tasks the starts are the newlines before the examples, so every window reads "\n", the
 * prompt and the answer from position 0, just as exact match asks its questions: a small
 * model with learned position embeddings then learns one reversal (or sum) at fixed
 * positions, instead of one for every offset a random window could put the example at.
 * Like `sampleWindows`, each window draws exactly one number from `rng`.
 */
export function sampleWindowsAt(stream: Int32Array, starts: Int32Array, context: number, batch: number, rng: Rng): TokenWindows {
  const usable = fittingStarts(stream, starts, context, 'training text');
  const windows: TokenWindows = { batch, context, inputs: new Int32Array(batch * context), targets: new Int32Array(batch * context) };
  for (let row = 0; row < batch; row++) copyWindow(stream, starts[rng.int(usable)], context, row, windows);
  return windows;
}

/** The held-out counterpart of `sampleWindowsAt`: one window at each of the first `maxWindows` starts that fit. */
export function heldOutWindowsAt(stream: Int32Array, starts: Int32Array, context: number, maxWindows: number): TokenWindows {
  const batch = Math.min(maxWindows, fittingStarts(stream, starts, context, 'held-out text'));
  const windows: TokenWindows = { batch, context, inputs: new Int32Array(batch * context), targets: new Int32Array(batch * context) };
  for (let row = 0; row < batch; row++) copyWindow(stream, starts[row], context, row, windows);
  return windows;
}
