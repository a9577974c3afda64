import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../engine/rng.ts';
import { textForward } from './gpt-forward.ts';
import type { GptSpec, TextModelSpec } from './gpt-spec.ts';

export interface SampleOptions {
  /** Token ids to continue; at least one, e.g. the newline that starts a new name. */
  prompt: readonly number[];
  /** How many tokens to generate. */
  length: number;
  /** Divides the logits before the softmax; below 1 is bolder about likely characters, 0 always takes the most likely. */
  temperature: number;
  /** The same weights, seed and prompt give the same tokens. */
  seed: number;
}

/** The tokens a model reads for its next prediction: the last `context` (one for the bigram). */
function windowOf(spec: TextModelSpec, tokens: readonly number[]): number[] {
  const context = spec.kind === 'gpt' ? spec.context : 1;
  return tokens.slice(Math.max(0, tokens.length - context));
}

/**
 * Draws one token from softmax(logits / temperature) with `rng`. The softmax runs here in
 * float64 on the downloaded logits, so the draw depends only on the logits and the seed.
 * Temperature 0 (or one so small that only the maximum survives) gives the argmax.
 */
export function pickToken(logits: ArrayLike<number>, temperature: number, rng: Rng): number {
  let best = 0;
  for (let i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
  // Draw even when the answer is fixed, so a temperature change does not shift later draws.
  const u = rng.next();
  if (temperature <= 0) return best;
  const weights = Array.from(logits, (l) => Math.exp((l - logits[best]) / temperature));
  const total = weights.reduce((a, b) => a + b, 0);
  let cumulative = 0;
  for (let i = 0; i < weights.length; i++) {
    cumulative += weights[i];
    if (u * total < cumulative) return i;
  }
  return best;
}

/**
 * Generates `length` tokens after the prompt: each step runs the model on the last `context`
 * tokens, downloads the last position's logits and draws the next token. Returns only the new
 * tokens; the tokenizer turns them into text.
 */
/** Sampling yields to the event loop after this much work. */
const SAMPLE_SLICE_MS = 10;

/** The logits after the last token of each window (all of one length), [windows × vocab]: a model, however it runs. */
export type LastLogits = (windows: number[][]) => Promise<Float32Array>;

/** LastLogits from TensorFlow.js ops on `params`. */
export function tfjsLastLogits(spec: TextModelSpec, params: readonly tf.Tensor[]): LastLogits {
  return async (windows) => {
    const width = windows[0].length;
    const last = tf.tidy(() => {
      const logits = textForward(spec, params, tf.tensor2d(windows.flat(), [windows.length, width], 'int32'));
      return logits.slice([0, width - 1, 0], [windows.length, 1, spec.vocabSize]).reshape([windows.length, spec.vocabSize]);
    });
    const values = (await last.data()) as Float32Array;
    last.dispose();
    return values;
  };
}

export async function sampleTokens(spec: TextModelSpec, params: readonly tf.Tensor[], options: SampleOptions): Promise<number[]> {
  return sampleTokensWith(spec, tfjsLastLogits(spec, params), options);
}

/** sampleTokens with any model's logits (the fused forward pass on WebGPU). */
export async function sampleTokensWith(spec: TextModelSpec, lastLogits: LastLogits, options: SampleOptions): Promise<number[]> {
  if (options.prompt.length === 0) throw new Error('Sampling needs a prompt of at least one token, for example the newline that starts a name.');
  const rng = Rng.seeded(options.seed, 'sample');
  const tokens = [...options.prompt];
  let sliceStarted = performance.now();
  for (let i = 0; i < options.length; i++) {
    // On the CPU backend data() resolves without a task, so 80 passes would hold the worker:
    // let a save's IndexedDB events (and the page's messages) in between.
    if (performance.now() - sliceStarted > SAMPLE_SLICE_MS) {
      await new Promise((resolve) => setTimeout(resolve, 0));
      sliceStarted = performance.now();
    }
    const values = await lastLogits([windowOf(spec, tokens)]);
    tokens.push(pickToken(values, options.temperature, rng));
  }
  return tokens.slice(options.prompt.length);
}

/**
 * The attention probabilities for a short prompt, [layers][heads][T][T]: row q holds how much
 * position q reads each position k ≤ q (each row sums to 1). Uses the last `context` tokens.
 */
export async function attentionMaps(spec: GptSpec, params: readonly tf.Tensor[], prompt: readonly number[]): Promise<number[][][][]> {
  if (prompt.length === 0) throw new Error('The attention picture needs a prompt of at least one token.');
  const window = windowOf(spec, prompt);
  const stacked = tf.tidy(() => {
    const maps: tf.Tensor[] = [];
    textForward(spec, params, tf.tensor2d(window, [1, window.length], 'int32'), { onAttention: (_layer, p) => maps.push(p.squeeze([0])) });
    return tf.stack(maps);
  });
  const maps = (await stacked.array()) as number[][][][];
  stacked.dispose();
  return maps;
}
