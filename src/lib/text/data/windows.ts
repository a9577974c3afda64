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
