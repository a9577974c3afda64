import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../src/lib/engine/rng.ts';
import type { GptSpec } from '../../src/lib/text/model/gpt-spec.ts';
import { attentionMaps, pickToken, sampleTokens } from '../../src/lib/text/model/sample.ts';
import { randomValues, tensorsOf, TINY_GPT } from './text-model-support.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

// Weights large enough that the model has preferences, so seeds and temperatures matter.
const spec: GptSpec = { ...TINY_GPT, vocabSize: 7, context: 6, layers: 2 };
const withParams = async <T>(run: (params: tf.Tensor[]) => Promise<T>): Promise<T> => {
  const params = tensorsOf(spec, randomValues(spec, 21, 0.3));
  try {
    return await run(params);
  } finally {
    tf.dispose(params);
  }
};

describe('text model: sampling', () => {
  it('gives the same text for the same weights, seed and prompt, and other text for another seed', async () => {
    await withParams(async (params) => {
      const options = { prompt: [1, 2], length: 24, temperature: 1, seed: 5 };
      const first = await sampleTokens(spec, params, options);
      expect(first).toHaveLength(24);
      expect(first.every((t) => Number.isInteger(t) && t >= 0 && t < spec.vocabSize)).toBe(true);
      expect(await sampleTokens(spec, params, options)).toEqual(first);
      expect(await sampleTokens(spec, params, { ...options, seed: 6 })).not.toEqual(first);
    });
  });

  it('approaches the argmax as the temperature goes to 0', async () => {
    const logits = [0.1, 2.5, 2.4, -1, 0];
    const draws = (temperature: number) => {
      const rng = Rng.seeded(1, 'test');
      return Array.from({ length: 200 }, () => pickToken(logits, temperature, rng));
    };
    expect(new Set(draws(1)).size).toBeGreaterThan(2);
    expect(draws(0.01).every((t) => t === 1)).toBe(true);
    expect(draws(0).every((t) => t === 1)).toBe(true);
    await withParams(async (params) => {
      const options = { prompt: [3], length: 12, seed: 2 };
      expect(await sampleTokens(spec, params, { ...options, temperature: 1e-4 })).toEqual(await sampleTokens(spec, params, { ...options, temperature: 0 }));
    });
  });

  it('draws attention pictures [layers][heads][T][T] whose rows are causal probabilities', async () => {
    await withParams(async (params) => {
      const maps = await attentionMaps(spec, params, [0, 1, 2, 3, 4]);
      expect([maps.length, maps[0].length, maps[0][0].length, maps[0][0][0].length]).toEqual([2, 2, 5, 5]);
      for (const row of maps.flat(2) as number[][]) expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
      for (const head of maps.flat(1)) for (let q = 0; q < 5; q++) for (let k = q + 1; k < 5; k++) expect(head[q][k]).toBe(0);
    });
  });

  it('keeps tf.memory().numTensors flat across a sample and an attention picture', async () => {
    await withParams(async (params) => {
      const before = tf.memory().numTensors;
      await sampleTokens(spec, params, { prompt: [1], length: 8, temperature: 0.8, seed: 1 });
      await attentionMaps(spec, params, [1, 2, 3]);
      expect(tf.memory().numTensors).toBe(before);
    });
  });

  it('refuses an empty prompt with a sentence', async () => {
    await withParams(async (params) => {
      await expect(sampleTokens(spec, params, { prompt: [], length: 3, temperature: 1, seed: 1 })).rejects.toThrow(/at least one token/);
    });
  });
});
