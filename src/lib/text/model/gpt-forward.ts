import * as tf from '@tensorflow/tfjs';
import { LAYER_NORM_EPSILON, textParamSpecs, type GptSpec, type TextModelSpec } from './gpt-spec.ts';

/**
 * Added to the scores of future positions before the softmax. A finite value (not -Infinity)
 * keeps a fully masked row, and its gradient, free of NaN; exp(-1e9 − max) is exactly 0 in
 * float32, so the future contributes nothing, bit for bit.
 */
export const MASKED_SCORE = -1e9;

export interface TextForwardOptions {
  /** Dropout rate; 0 or undefined (evaluation, sampling) disables every dropout. */
  dropout?: number;
  /**
   * Seed of this call's dropout masks; each dropout site adds its own offset. Derive it from
   * (run seed, step) so a resumed run draws the same masks without storing RNG state.
   */
  dropoutSeed?: number;
  /** Receives each block's attention probabilities [batch, heads, T, T], for the picture. */
  onAttention?: (layer: number, probabilities: tf.Tensor4D) => void;
}

/** Draws a fresh seed for every dropout site in one forward pass, in a fixed order. */
function dropoutSites(options: TextForwardOptions) {
  const rate = options.dropout ?? 0;
  let site = 0;
  return <T extends tf.Tensor>(x: T): T => {
    const seed = (options.dropoutSeed ?? 0) + site++;
    return rate > 0 ? (tf.dropout(x, rate, undefined, seed) as T) : x;
  };
}

/** y = x · Wᵀ + b over the last axis, with W in PyTorch's [out, in] layout; no b for the tied head. */
export function linear(x: tf.Tensor, weight: tf.Tensor, bias?: tf.Tensor): tf.Tensor {
  const rows = x.reshape([-1, x.shape[x.rank - 1]]) as tf.Tensor2D;
  const product = tf.matMul(rows, weight as tf.Tensor2D, false, true);
  const y = bias ? product.add(bias) : product;
  return y.reshape([...x.shape.slice(0, -1), weight.shape[0]]);
}

/** PyTorch's LayerNorm over the last axis: biased variance, epsilon inside the root. */
export function layerNorm(x: tf.Tensor, gain: tf.Tensor, bias: tf.Tensor): tf.Tensor {
  const { mean, variance } = tf.moments(x, -1, true);
  return x.sub(mean).mul(tf.rsqrt(variance.add(LAYER_NORM_EPSILON))).mul(gain).add(bias);
}

/**
 * The exact GELU, x·Φ(x) with erf, as PyTorch's nn.GELU() that nanoGPT's MLP uses today, so
 * exported weights compute the same function there (the tanh form differs by up to ~1e-3).
 */
export function gelu(x: tf.Tensor): tf.Tensor {
  return x.mul(0.5).mul(tf.erf(x.mul(Math.SQRT1_2)).add(1));
}

/**
 * table[tokens] as oneHot(tokens) · table. The product is exact (one 1, the rest 0), and its
 * gradient is a matmul too: tf.gather's gradient (UnsortedSegmentSum) loops over every row of
 * the table on the CPU, several times slower, and adds with float atomics on WebGPU, in no fixed order.
 */
export function embeddingLookup(table: tf.Tensor, tokens: tf.Tensor2D): tf.Tensor3D {
  const [rows, width] = table.shape;
  const oneHot = tf.oneHot(tokens.reshape([-1]) as tf.Tensor1D, rows, 1, 0, 'float32');
  return tf.matMul(oneHot, table as tf.Tensor2D).reshape([...tokens.shape, width]) as tf.Tensor3D;
}

/** [T, T] additive mask: 0 where a query may attend (key ≤ query), MASKED_SCORE elsewhere. */
function causalMask(length: number): tf.Tensor2D {
  const allowed = tf.linalg.bandPart(tf.ones([length, length]), -1, 0);
  return tf.sub(1, allowed).mul(MASKED_SCORE) as tf.Tensor2D;
}

/** The four tensors of one attention layer, PyTorch layouts. */
export interface AttentionWeights {
  cAttnWeight: tf.Tensor;
  cAttnBias: tf.Tensor;
  cProjWeight: tf.Tensor;
  cProjBias: tf.Tensor;
}

/**
 * Causal multi-head self-attention on x [batch, T, width], as nanoGPT's CausalSelfAttention:
 * one c_attn projection to q, k, v; softmax(q·kᵀ/√headSize + mask); dropout on the weights;
 * heads concatenated and projected by c_proj. The residual dropout is the caller's.
 */
export function causalSelfAttention(
  x: tf.Tensor,
  weights: AttentionWeights,
  heads: number,
  options: { dropout?: (p: tf.Tensor4D) => tf.Tensor4D; onProbabilities?: (p: tf.Tensor4D) => void } = {},
): tf.Tensor {
  const [batch, length, width] = x.shape;
  const headSize = width / heads;
  const qkv = linear(x, weights.cAttnWeight, weights.cAttnBias);
  // [batch, T, width] → [batch, heads, T, headSize]
  const splitHeads = (t: tf.Tensor) => t.reshape([batch, length, heads, headSize]).transpose([0, 2, 1, 3]) as tf.Tensor4D;
  const [q, k, v] = tf.split(qkv, 3, -1).map(splitHeads);
  const scores = tf.matMul(q, k, false, true).mul(1 / Math.sqrt(headSize)).add(causalMask(length));
  const probabilities = tf.softmax(scores) as tf.Tensor4D;
  options.onProbabilities?.(probabilities);
  const attended = tf.matMul(options.dropout ? options.dropout(probabilities) : probabilities, v);
  const merged = attended.transpose([0, 2, 1, 3]).reshape([batch, length, width]);
  return linear(merged, weights.cProjWeight, weights.cProjBias);
}

/** Looks parameters up by their nanoGPT name; `params` is in textParamSpecs order. */
function byName(spec: TextModelSpec, params: readonly tf.Tensor[]): (name: string) => tf.Tensor {
  const table = textParamSpecs(spec);
  if (params.length !== table.length) {
    throw new Error(`The ${spec.kind} model expects ${table.length} parameter tensors, but ${params.length} were given.`);
  }
  const index = new Map(table.map((p, i) => [p.name, i]));
  return (name) => params[index.get(name)!];
}

/**
 * Logits [batch, T, vocab] for tokens [batch, T] (int32, T ≤ context): token plus position
 * embeddings, pre-LayerNorm blocks x + attn(ln_1(x)) and x + mlp(ln_2(x)), ln_f, and the head
 * tied to wte. Call inside tf.tidy; gradients flow through tf.variableGrads.
 */
export function gptForward(spec: GptSpec, params: readonly tf.Tensor[], tokens: tf.Tensor2D, options: TextForwardOptions = {}): tf.Tensor3D {
  const [batch, length] = tokens.shape;
  if (length > spec.context) {
    throw new Error(`The model reads at most ${spec.context} tokens at a time, but was given ${length}; pass the last ${spec.context}.`);
  }
  const get = byName(spec, params);
  const drop = dropoutSites(options);
  const wte = get('transformer.wte.weight');
  const positions = get('transformer.wpe.weight').slice([0, 0], [length, spec.width]);
  let x: tf.Tensor = drop(embeddingLookup(wte, tokens).add(positions));
  for (let i = 0; i < spec.layers; i++) {
    const h = (name: string) => get(`transformer.h.${i}.${name}`);
    const attention = causalSelfAttention(
      layerNorm(x, h('ln_1.weight'), h('ln_1.bias')),
      { cAttnWeight: h('attn.c_attn.weight'), cAttnBias: h('attn.c_attn.bias'), cProjWeight: h('attn.c_proj.weight'), cProjBias: h('attn.c_proj.bias') },
      spec.heads,
      { dropout: drop, onProbabilities: options.onAttention && ((p) => options.onAttention!(i, p)) },
    );
    x = x.add(drop(attention));
    const hidden = gelu(linear(layerNorm(x, h('ln_2.weight'), h('ln_2.bias')), h('mlp.c_fc.weight'), h('mlp.c_fc.bias')));
    x = x.add(drop(linear(hidden, h('mlp.c_proj.weight'), h('mlp.c_proj.bias'))));
  }
  x = layerNorm(x, get('transformer.ln_f.weight'), get('transformer.ln_f.bias'));
  return linear(x, wte).reshape([batch, length, spec.vocabSize]) as tf.Tensor3D;
}

/** The bigram baseline: logits [batch, T, vocab] are rows of the table, table[token]. */
export function bigramForward(params: readonly tf.Tensor[], tokens: tf.Tensor2D): tf.Tensor3D {
  return embeddingLookup(params[0], tokens);
}

/** Either model's logits [batch, T, vocab]. Call inside tf.tidy. */
export function textForward(spec: TextModelSpec, params: readonly tf.Tensor[], tokens: tf.Tensor2D, options: TextForwardOptions = {}): tf.Tensor3D {
  return spec.kind === 'gpt' ? gptForward(spec, params, tokens, options) : bigramForward(params, tokens);
}

/**
 * Mean softmax cross-entropy over every position, in nats (divide by ln 2 for bits per
 * character). targets [batch, T] int32 holds the next token of each position.
 */
export function crossEntropyLoss(logits: tf.Tensor3D, targets: tf.Tensor2D): tf.Scalar {
  const vocab = logits.shape[2];
  const logProbabilities = tf.logSoftmax(logits.reshape([-1, vocab]) as tf.Tensor2D);
  const picked = logProbabilities.mul(tf.oneHot(targets.reshape([-1]) as tf.Tensor1D, vocab, 1, 0, 'float32')).sum(-1);
  return picked.mean().neg() as tf.Scalar;
}
