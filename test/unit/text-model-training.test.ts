import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { applyAdamW, captureAdamWState, createAdamWState, DEFAULT_ADAMW, disposeAdamWState, restoreAdamWState } from '../../src/lib/text/model/adamw.ts';
import { clipByGlobalNorm } from '../../src/lib/text/model/clip.ts';
import { textParamSpecs, type BigramSpec, type GptSpec, type TextParamSpec } from '../../src/lib/text/model/gpt-spec.ts';
import { createTextParams, trainStep, type TextBatch, type TextTrainConfig } from '../../src/lib/text/model/train-step.ts';
import { warmupCosineRate } from '../../src/lib/text/model/warmup-cosine.ts';
import { randomTokens, TINY_GPT } from './text-model-support.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const TEXT = [
  'the cat sat on the mat and the dog sat on the log.',
  'a bat and a rat ran at the cat; the cat ran to the hat.',
  'to be or not to be, that is the question of the day.',
  'she sells sea shells by the sea shore, and the shells are sure.',
].join('\n');

/** H = −Σ p(a,b) log2 p(b|a) over the text's consecutive pairs: the best a bigram model can do. */
function bigramEntropyBits(tokens: number[]): number {
  const pairs = new Map<string, number>();
  const firsts = new Map<number, number>();
  for (let i = 0; i + 1 < tokens.length; i++) {
    const key = `${tokens[i]},${tokens[i + 1]}`;
    pairs.set(key, (pairs.get(key) ?? 0) + 1);
    firsts.set(tokens[i], (firsts.get(tokens[i]) ?? 0) + 1);
  }
  const total = tokens.length - 1;
  let entropy = 0;
  for (const [key, count] of pairs) {
    const first = Number(key.split(',')[0]);
    entropy -= (count / total) * Math.log2(count / firsts.get(first)!);
  }
  return entropy;
}

const schedule = { learningRate: 3e-3, warmupSteps: 2, decaySteps: 20, minLearningRate: 3e-4 };

function gptConfig(spec: GptSpec): TextTrainConfig {
  return { spec, seed: 7, schedule, adamw: DEFAULT_ADAMW, gradClip: 1 };
}

function batchOf(spec: GptSpec, seed: number): TextBatch {
  return {
    inputs: tf.tensor2d(randomTokens(spec.vocabSize, 3, spec.context, seed), undefined, 'int32'),
    targets: tf.tensor2d(randomTokens(spec.vocabSize, 3, spec.context, seed + 1000), undefined, 'int32'),
  };
}

describe('text model: training', () => {
  it('trains a bigram model with AdamW to the text’s bigram entropy, within 0.05 bits per character', async () => {
    const vocabulary = [...new Set(TEXT)].sort();
    const tokens = Array.from(TEXT, (c) => vocabulary.indexOf(c));
    const spec: BigramSpec = { kind: 'bigram', vocabSize: vocabulary.length };
    const params = createTextParams(spec, 1);
    const state = createAdamWState(textParamSpecs(spec));
    // The whole text in one batch, so the loss is exactly the empirical cross-entropy.
    const batch = { inputs: tf.tensor2d([tokens.slice(0, -1)], undefined, 'int32'), targets: tf.tensor2d([tokens.slice(1)], undefined, 'int32') };
    const config: TextTrainConfig = {
      spec, seed: 1, adamw: DEFAULT_ADAMW, gradClip: 1,
      schedule: { learningRate: 0.3, warmupSteps: 5, decaySteps: 150, minLearningRate: 0.03 },
    };
    let loss = Infinity;
    for (let step = 0; step < 150; step++) {
      const value = trainStep(params, state, batch, config);
      if (step === 149) loss = (await value.data())[0] / Math.LN2;
      value.dispose();
    }
    const entropy = bigramEntropyBits(tokens);
    expect(entropy).toBeGreaterThan(1);
    expect(loss).toBeGreaterThanOrEqual(entropy - 1e-4);
    expect(loss - entropy).toBeLessThan(0.05);
    tf.dispose([...params, batch.inputs, batch.targets]);
    disposeAdamWState(state);
  });

  it('resumes bit-identically from captured weights and AdamW state (CPU), with dropout on', async () => {
    const spec: GptSpec = { ...TINY_GPT, dropout: 0.1 };
    const config = gptConfig(spec);
    const table = textParamSpecs(spec);
    const batches = Array.from({ length: 6 }, (_, i) => batchOf(spec, i));
    const run = async (params: tf.Variable[], state: ReturnType<typeof createAdamWState>, from: number, to: number) => {
      const losses: number[] = [];
      for (let i = from; i < to; i++) {
        const loss = trainStep(params, state, batches[i], config);
        losses.push((await loss.data())[0]);
        loss.dispose();
      }
      return losses;
    };

    const params = createTextParams(spec, 3);
    const state = createAdamWState(table);
    await run(params, state, 0, 3);
    const savedParams = params.map((p) => p.clone());
    const savedState = captureAdamWState(state, table);
    expect(savedState.map((t) => t.name)).toContain('optimizer/m/transformer.h.0.attn.c_attn.weight');
    const straight = await run(params, state, 3, 6);

    const resumedParams = savedParams.map((p) => tf.variable(p.clone()));
    const resumedState = await restoreAdamWState(table, savedState);
    expect(resumedState.step).toBe(3);
    const resumed = await run(resumedParams, resumedState, 3, 6);
    expect(resumed).toEqual(straight);
    for (let i = 0; i < params.length; i++) expect(resumedParams[i].dataSync()).toEqual(params[i].dataSync());

    tf.dispose([...params, ...resumedParams, ...savedParams, ...savedState.map((t) => t.tensor)]);
    tf.dispose(batches.flatMap((b) => [b.inputs, b.targets]));
    disposeAdamWState(state);
    disposeAdamWState(resumedState);
  });

  it('keeps tf.memory().numTensors flat across training steps', async () => {
    const spec: GptSpec = { ...TINY_GPT, dropout: 0.1 };
    const params = createTextParams(spec, 3);
    const state = createAdamWState(textParamSpecs(spec));
    const batch = batchOf(spec, 1);
    trainStep(params, state, batch, gptConfig(spec)).dispose();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) trainStep(params, state, batch, gptConfig(spec)).dispose();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([...params, batch.inputs, batch.targets]);
    disposeAdamWState(state);
  });
});

describe('text model: AdamW', () => {
  it('updates as PyTorch’s AdamW does (float64 reference, within 1e-6), decaying only the tensors marked decay', () => {
    const table: TextParamSpec[] = [
      { name: 'w', shape: [2, 2], role: 'linear', decay: true },
      { name: 'b', shape: [2], role: 'bias', decay: false },
    ];
    const config = { beta1: 0.9, beta2: 0.95, epsilon: 1e-8, weightDecay: 0.5 };
    const start = [[0.5, -1, 2, 0.25], [1, -2]];
    const gradsAt = (step: number) => [[0.1 * step, -0.3, 0.02, 1], [-0.5, 0.2 * step]];
    const rates = [0.1, 0.05, 0.02];

    const expected = start.map((values) => [...values]);
    const moments = start.map((values) => values.map(() => ({ m: 0, v: 0 })));
    rates.forEach((lr, step) => {
      const t = step + 1;
      table.forEach((spec, i) => {
        expected[i].forEach((p, k) => {
          const g = gradsAt(step)[i][k];
          const slot = moments[i][k];
          const decayed = spec.decay ? p * (1 - lr * config.weightDecay) : p;
          slot.m = config.beta1 * slot.m + (1 - config.beta1) * g;
          slot.v = config.beta2 * slot.v + (1 - config.beta2) * g * g;
          const denominator = Math.sqrt(slot.v) / Math.sqrt(1 - config.beta2 ** t) + config.epsilon;
          expected[i][k] = decayed - (lr / (1 - config.beta1 ** t)) * (slot.m / denominator);
        });
      });
    });

    const params = start.map((values, i) => tf.variable(tf.tensor(values, table[i].shape)));
    const state = createAdamWState(table);
    rates.forEach((lr, step) => {
      const grads = gradsAt(step).map((values, i) => tf.tensor(values, table[i].shape));
      applyAdamW(params, grads, state, table, lr, config);
      tf.dispose(grads);
    });
    expect(state.step).toBe(3);
    params.forEach((param, i) => {
      param.dataSync().forEach((value, k) => expect(Math.abs(value - expected[i][k])).toBeLessThan(1e-6));
    });
    tf.dispose(params);
    disposeAdamWState(state);
  });
});

describe('text model: clipping and schedule', () => {
  it('scales gradients together so their global norm equals the cap, and leaves small ones alone', () => {
    tf.tidy(() => {
      // Global norm √(3² + 4² + 12²) = 13.
      const grads = [tf.tensor1d([3, 4]), tf.tensor2d([[12]])];
      const { grads: clipped, norm } = clipByGlobalNorm(grads, 2);
      expect(norm.dataSync()[0]).toBeCloseTo(13, 5);
      const clippedNorm = Math.sqrt(clipped.reduce((sum, g) => sum + g.square().sum().dataSync()[0], 0));
      expect(Math.abs(clippedNorm - 2) / 2).toBeLessThan(1e-6);
      expect(clipped[0].dataSync()[1] / clipped[0].dataSync()[0]).toBeCloseTo(4 / 3, 6);
      const untouched = clipByGlobalNorm(grads, 20).grads;
      expect(untouched[0].dataSync()).toEqual(grads[0].dataSync());
    });
  });

  it('warms up linearly, then follows a cosine down to the floor, as nanoGPT’s get_lr', () => {
    const config = { learningRate: 1e-3, warmupSteps: 100, decaySteps: 5000, minLearningRate: 1e-4 };
    expect(warmupCosineRate(0, config)).toBeCloseTo(1e-3 / 101, 12);
    expect(warmupCosineRate(99, config)).toBeCloseTo((1e-3 * 100) / 101, 12);
    expect(warmupCosineRate(100, config)).toBeCloseTo(1e-3, 12);
    expect(warmupCosineRate(2550, config)).toBeCloseTo(5.5e-4, 12);
    expect(warmupCosineRate(5000, config)).toBeCloseTo(1e-4, 12);
    expect(warmupCosineRate(9000, config)).toBe(1e-4);
  });
});
