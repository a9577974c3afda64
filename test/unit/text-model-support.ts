import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../src/lib/engine/rng.ts';
import { textParamSpecs, type GptSpec } from '../../src/lib/text/model/gpt-spec.ts';

/** The tiny transformer the issue names for the gradient check: small enough to test in milliseconds. */
export const TINY_GPT: GptSpec = { kind: 'gpt', vocabSize: 5, context: 4, layers: 1, heads: 2, width: 8, dropout: 0 };

/**
 * Parameter values far larger than nanoGPT's 0.02 init, so every path (softmax, LayerNorm,
 * GELU) works away from its linear regime and gradients are large enough to check in float32.
 */
export function randomValues(spec: GptSpec, seed: number, std = 0.4): Float32Array[] {
  const rng = Rng.seeded(seed, 'test-params');
  return textParamSpecs(spec).map((p) => {
    const values = new Float32Array(p.shape.reduce((a, b) => a * b, 1));
    const base = p.role === 'normGain' ? 1 : 0;
    for (let i = 0; i < values.length; i++) values[i] = base + std * rng.normal();
    return values;
  });
}

export function tensorsOf(spec: GptSpec, values: Float32Array[]): tf.Tensor[] {
  return textParamSpecs(spec).map((p, i) => tf.tensor(values[i], p.shape, 'float32'));
}

export function variablesOf(spec: GptSpec, values: Float32Array[]): tf.Variable[] {
  return textParamSpecs(spec).map((p, i) => tf.tidy(() => tf.variable(tf.tensor(values[i], p.shape, 'float32'))));
}

/** Seeded token ids in [0, vocab), shaped [batch, length]. */
export function randomTokens(vocab: number, batch: number, length: number, seed: number): number[][] {
  const rng = Rng.seeded(seed, 'test-tokens');
  return Array.from({ length: batch }, () => Array.from({ length }, () => rng.int(vocab)));
}
