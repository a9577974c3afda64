import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../src/lib/engine/rng.ts';
import { causalSelfAttention, crossEntropyLoss, gptForward } from '../../src/lib/text/model/gpt-forward.ts';
import { nanoGptExportNames, textParamCount, textParamSpecs, validateGptSpec, type GptSpec } from '../../src/lib/text/model/gpt-spec.ts';
import { randomTokens, randomValues, tensorsOf, TINY_GPT } from './text-model-support.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Plain-loop causal self-attention in float64, written from the formula, not from the tfjs code. */
function referenceAttention(
  x: Float32Array, [batch, length, width]: number[], heads: number,
  cAttnW: Float32Array, cAttnB: Float32Array, cProjW: Float32Array, cProjB: Float32Array,
): Float64Array {
  const headSize = width / heads;
  const out = new Float64Array(batch * length * width);
  for (let b = 0; b < batch; b++) {
    // qkv[t][j] = cAttnB[j] + Σc cAttnW[j][c]·x[b][t][c]; q is j < width, k the next width, v the last.
    const qkv = Array.from({ length }, (_, t) =>
      Array.from({ length: 3 * width }, (_, j) => {
        let sum = cAttnB[j];
        for (let c = 0; c < width; c++) sum += cAttnW[j * width + c] * x[(b * length + t) * width + c];
        return sum;
      }),
    );
    for (let t = 0; t < length; t++) {
      const merged = new Float64Array(width);
      for (let h = 0; h < heads; h++) {
        const scores: number[] = [];
        for (let s = 0; s <= t; s++) {
          let dot = 0;
          for (let d = 0; d < headSize; d++) dot += qkv[t][h * headSize + d] * qkv[s][width + h * headSize + d];
          scores.push(dot / Math.sqrt(headSize));
        }
        const max = Math.max(...scores);
        const weights = scores.map((s) => Math.exp(s - max));
        const total = weights.reduce((a, w) => a + w, 0);
        for (let s = 0; s <= t; s++) {
          for (let d = 0; d < headSize; d++) merged[h * headSize + d] += (weights[s] / total) * qkv[s][2 * width + h * headSize + d];
        }
      }
      for (let o = 0; o < width; o++) {
        let sum = cProjB[o];
        for (let c = 0; c < width; c++) sum += cProjW[o * width + c] * merged[c];
        out[(b * length + t) * width + o] = sum;
      }
    }
  }
  return out;
}

describe('text model: parameters', () => {
  it('uses nanoGPT names and PyTorch [out, in] layouts, with lm_head tied to wte on export', () => {
    const spec: GptSpec = { kind: 'gpt', vocabSize: 30, context: 16, layers: 2, heads: 4, width: 32, dropout: 0.1 };
    const table = textParamSpecs(spec);
    const shape = (name: string) => table.find((p) => p.name === name)?.shape;
    expect(shape('transformer.wte.weight')).toEqual([30, 32]);
    expect(shape('transformer.wpe.weight')).toEqual([16, 32]);
    expect(shape('transformer.h.1.attn.c_attn.weight')).toEqual([96, 32]);
    expect(shape('transformer.h.1.attn.c_attn.bias')).toEqual([96]);
    expect(shape('transformer.h.0.mlp.c_fc.weight')).toEqual([128, 32]);
    expect(shape('transformer.h.0.mlp.c_proj.weight')).toEqual([32, 128]);
    expect(shape('transformer.ln_f.bias')).toEqual([32]);
    expect(table.filter((p) => p.decay).every((p) => p.shape.length === 2)).toBe(true);
    expect(table.filter((p) => !p.decay).every((p) => p.shape.length === 1)).toBe(true);
    expect(nanoGptExportNames(spec).at(-1)).toEqual({ name: 'lm_head.weight', source: 'transformer.wte.weight' });
    // nanoGPT's formula with biases: wte + wpe + L·(12w² + 13w) + 2w.
    expect(textParamCount(spec)).toBe(30 * 32 + 16 * 32 + 2 * (12 * 32 * 32 + 13 * 32) + 2 * 32);
  });

  it('rejects out-of-range options with a sentence naming the field', () => {
    expect(() => validateGptSpec({ ...TINY_GPT, context: 8, width: 30, heads: 4 })).toThrow(/width \(30\) must be divisible by the number of heads \(4\)/);
    expect(() => validateGptSpec({ ...TINY_GPT, context: 8, width: 16, layers: 7 })).toThrow(/layers must be a whole number from 1 to 6/);
    expect(() => validateGptSpec({ ...TINY_GPT, context: 8, width: 16, heads: 2 })).not.toThrow();
  });
});

describe('text model: forward', () => {
  it('computes causal self-attention as a plain-loop reference does, within 1e-5', () => {
    const [batch, length, width, heads] = [2, 5, 8, 2];
    const rng = Rng.seeded(3, 'attention');
    const random = (n: number) => Float32Array.from({ length: n }, () => 0.5 * rng.normal());
    const x = random(batch * length * width);
    const [aw, ab, pw, pb] = [random(3 * width * width), random(3 * width), random(width * width), random(width)];
    const expected = referenceAttention(x, [batch, length, width], heads, aw, ab, pw, pb);
    const actual = tf.tidy(() =>
      causalSelfAttention(
        tf.tensor3d(x, [batch, length, width]),
        { cAttnWeight: tf.tensor2d(aw, [3 * width, width]), cAttnBias: tf.tensor1d(ab), cProjWeight: tf.tensor2d(pw, [width, width]), cProjBias: tf.tensor1d(pb) },
        heads,
      ).dataSync(),
    );
    const error = Math.max(...Array.from(actual, (a, i) => Math.abs(a - expected[i])));
    expect(error).toBeLessThan(1e-5);
  });

  it('is causal: changing a later token leaves every earlier logit bit-identical', () => {
    const spec: GptSpec = { ...TINY_GPT, context: 6, layers: 2 };
    const params = tensorsOf(spec, randomValues(spec, 5));
    const tokens = randomTokens(spec.vocabSize, 2, 6, 9);
    const changed = tokens.map((row) => row.map((t, i) => (i >= 3 ? (t + 1) % spec.vocabSize : t)));
    const logits = (rows: number[][]) => tf.tidy(() => gptForward(spec, params, tf.tensor2d(rows, undefined, 'int32')).arraySync());
    const [before, after] = [logits(tokens), logits(changed)];
    for (let b = 0; b < 2; b++) {
      for (let t = 0; t < 3; t++) expect(after[b][t]).toEqual(before[b][t]);
      expect(after[b][3]).not.toEqual(before[b][3]);
    }
    tf.dispose(params);
  });
});

describe('text model: gradients', () => {
  /**
   * Central differences in float32 with eps = 1e-2: the loss (~1.6 nats) carries ~1e-7 of
   * rounding, so the difference quotient is good to ~1e-5 absolute; the O(eps²) truncation
   * term is of the same order with these weights. Hence: relative 1e-2, with an absolute floor
   * of 5e-5 for gradients near zero (the key part of c_attn.bias has a gradient of exactly 0:
   * adding a constant to every key shifts a softmax row by a constant).
   */
  const EPS = 1e-2;
  const RELATIVE = 1e-2;
  const ABSOLUTE = 5e-5;

  for (const dropout of [0, 0.25]) {
    it(`match central differences for a tiny transformer (dropout ${dropout}, fixed masks)`, () => {
      const spec: GptSpec = { ...TINY_GPT, dropout };
      const values = randomValues(spec, 11);
      const inputs = tf.tensor2d(randomTokens(5, 2, 4, 1), undefined, 'int32');
      const targets = tf.tensor2d(randomTokens(5, 2, 4, 2), undefined, 'int32');
      const options = { dropout, dropoutSeed: 1234 };
      const lossOf = (params: tf.Tensor[]) => crossEntropyLoss(gptForward(spec, params, inputs, options), targets);
      const params = tensorsOf(spec, values);
      const analytic = tf.tidy(() => tf.grads((...ps: tf.Tensor[]) => lossOf(ps))(params).map((g) => g.dataSync()));
      tf.dispose(params);

      const rng = Rng.seeded(4, 'gradient-check');
      let checked = 0;
      textParamSpecs(spec).forEach((_, p) => {
        // Two seeded entries of every tensor: embeddings, LayerNorms, attention and MLP alike.
        const first = rng.int(values[p].length);
        for (const k of [first, (first + 1 + rng.int(values[p].length - 1)) % values[p].length]) {
          const at = (delta: number) => {
            const shifted = values.map((v, i) => (i === p ? Float32Array.from(v, (x, j) => (j === k ? x + delta : x)) : v));
            return tf.tidy(() => lossOf(tensorsOf(spec, shifted)).dataSync()[0]);
          };
          const numeric = (at(EPS) - at(-EPS)) / (2 * EPS);
          const exact = analytic[p][k];
          expect(Math.abs(exact - numeric), `${textParamSpecs(spec)[p].name}[${k}]: ${exact} vs ${numeric}`).toBeLessThanOrEqual(
            RELATIVE * Math.max(Math.abs(exact), Math.abs(numeric)) + ABSOLUTE,
          );
          checked++;
        }
      });
      expect(checked).toBe(32);
      tf.dispose([inputs, targets]);
    });
  }
});
