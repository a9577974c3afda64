import { ConfigError } from '../../engine/errors.ts';
import { Rng } from '../../engine/rng.ts';

/**
 * A decoder-only transformer in nanoGPT's shape (Linear and LayerNorm layers with biases,
 * lm_head tied to the token embedding). Every field is a hyperparameter of the model file.
 */
export interface GptSpec {
  kind: 'gpt';
  /** Number of distinct characters; tokens are 0 … vocabSize − 1. */
  vocabSize: number;
  /** Longest window the model reads (nanoGPT's block_size); also the rows of wpe. */
  context: number;
  /** Transformer blocks (nanoGPT's n_layer). */
  layers: number;
  /** Attention heads per block (n_head); width must be divisible by it. */
  heads: number;
  /** Embedding width (n_embd). */
  width: number;
  /** Dropout rate after the embeddings, on attention weights and on both residual branches. */
  dropout: number;
}

/** The baseline: one row of next-character logits per current character. */
export interface BigramSpec {
  kind: 'bigram';
  vocabSize: number;
}

export type TextModelSpec = GptSpec | BigramSpec;

/**
 * What a parameter is, which decides its initial values and whether AdamW decays it.
 * linear: a PyTorch Linear weight, stored [out, in]; embedding: a lookup table [rows, width];
 * bias: a Linear bias; normGain/normBias: a LayerNorm's weight and bias.
 */
export type TextParamRole = 'linear' | 'embedding' | 'bias' | 'normGain' | 'normBias';

/** One trainable tensor, named and laid out exactly as in nanoGPT's state_dict. */
export interface TextParamSpec {
  name: string;
  shape: number[];
  role: TextParamRole;
  /** True where AdamW applies weight decay. */
  decay: boolean;
}

/**
 * The ranges a user may choose, checked once where a spec enters from a form, URL or file
 * (validateGptSpec). Code and tests may build smaller specs directly.
 */
export const GPT_LIMITS = {
  layers: { min: 1, max: 6 },
  heads: { min: 1, max: 8 },
  width: { min: 16, max: 256 },
  context: { min: 8, max: 256 },
  dropout: { min: 0, max: 0.9 },
} as const;

/** Layer norm epsilon, PyTorch's default, so exported weights compute the same function. */
export const LAYER_NORM_EPSILON = 1e-5;
/** nanoGPT's init: normal(0, 0.02) for Linear weights and embeddings. */
export const INIT_STD = 0.02;

/**
 * A default that writes recognisable names within minutes on a laptop GPU: names are short, so
 * a 32-character window sees several; 4 × 64 is makemore's small transformer.
 */
export function defaultGptSpec(vocabSize: number): GptSpec {
  return { kind: 'gpt', vocabSize, context: 32, layers: 4, heads: 4, width: 64, dropout: 0 };
}

/** Throws a ConfigError naming the first field outside GPT_LIMITS. */
export function validateGptSpec(spec: GptSpec): void {
  for (const key of ['layers', 'heads', 'width', 'context'] as const) {
    const { min, max } = GPT_LIMITS[key];
    const value = spec[key];
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new ConfigError(key, `The ${key} must be a whole number from ${min} to ${max}, but it is ${value}.`);
    }
  }
  if (spec.width % spec.heads !== 0) {
    throw new ConfigError('width', `The width (${spec.width}) must be divisible by the number of heads (${spec.heads}).`);
  }
  const { min, max } = GPT_LIMITS.dropout;
  if (!(spec.dropout >= min && spec.dropout <= max)) {
    throw new ConfigError('dropout', `The dropout must be a rate from ${min} to ${max}, but it is ${spec.dropout}.`);
  }
  if (!Number.isInteger(spec.vocabSize) || spec.vocabSize < 2) {
    throw new ConfigError('vocabSize', `The vocabulary must hold at least two characters, but it holds ${spec.vocabSize}.`);
  }
}

/**
 * The ordered parameter table: the order of tensors in `params` arrays, checkpoints and
 * exports. lm_head is tied to transformer.wte as in nanoGPT, so it has no entry of its own;
 * an export writes lm_head.weight as a copy of wte (see nanoGptExportNames).
 * The bigram table is Karpathy's BigramLanguageModel `token_embedding_table`.
 */
export function textParamSpecs(spec: TextModelSpec): TextParamSpec[] {
  if (spec.kind === 'bigram') {
    // Not decayed: its optimum is the text's bigram log-probabilities, and decay would pull it
    // toward uniform, biasing the very baseline it is there to show.
    return [{ name: 'token_embedding_table.weight', shape: [spec.vocabSize, spec.vocabSize], role: 'embedding', decay: false }];
  }
  if (spec.width % spec.heads !== 0) {
    throw new Error(`The width (${spec.width}) must be divisible by the number of heads (${spec.heads}).`);
  }
  const { vocabSize, context, width } = spec;
  // nanoGPT decays every tensor with two or more dimensions: Linear weights and embeddings.
  const p = (name: string, shape: number[], role: TextParamRole): TextParamSpec => ({ name, shape, role, decay: shape.length >= 2 });
  const table = [p('transformer.wte.weight', [vocabSize, width], 'embedding'), p('transformer.wpe.weight', [context, width], 'embedding')];
  for (let i = 0; i < spec.layers; i++) {
    const h = `transformer.h.${i}`;
    table.push(
      p(`${h}.ln_1.weight`, [width], 'normGain'),
      p(`${h}.ln_1.bias`, [width], 'normBias'),
      p(`${h}.attn.c_attn.weight`, [3 * width, width], 'linear'),
      p(`${h}.attn.c_attn.bias`, [3 * width], 'bias'),
      p(`${h}.attn.c_proj.weight`, [width, width], 'linear'),
      p(`${h}.attn.c_proj.bias`, [width], 'bias'),
      p(`${h}.ln_2.weight`, [width], 'normGain'),
      p(`${h}.ln_2.bias`, [width], 'normBias'),
      p(`${h}.mlp.c_fc.weight`, [4 * width, width], 'linear'),
      p(`${h}.mlp.c_fc.bias`, [4 * width], 'bias'),
      p(`${h}.mlp.c_proj.weight`, [width, 4 * width], 'linear'),
      p(`${h}.mlp.c_proj.bias`, [width], 'bias'),
    );
  }
  table.push(p('transformer.ln_f.weight', [width], 'normGain'), p('transformer.ln_f.bias', [width], 'normBias'));
  return table;
}

/**
 * The tensors of a nanoGPT-compatible state_dict, in order, each with the parameter whose
 * values it holds. Layouts already match PyTorch ([out, in] Linear weights), so no tensor is
 * transposed. lm_head.weight repeats wte because nanoGPT's state_dict lists both keys.
 * In PyTorch: GPTConfig(vocab_size, block_size=context, n_layer=layers, n_head=heads,
 * n_embd=width, dropout, bias=True). The causal-mask buffers (attn.bias) that nanoGPT only
 * registers without flash attention (PyTorch < 2.0) are not weights and are not written.
 */
export function nanoGptExportNames(spec: TextModelSpec): { name: string; source: string }[] {
  const names = textParamSpecs(spec).map((p) => ({ name: p.name, source: p.name }));
  if (spec.kind === 'gpt') names.push({ name: 'lm_head.weight', source: 'transformer.wte.weight' });
  return names;
}

const product = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

export function textParamCount(spec: TextModelSpec): number {
  return textParamSpecs(spec).reduce((sum, p) => sum + product(p.shape), 0);
}

/**
 * nanoGPT's initial values, drawn on the CPU from the seeded Rng so they are bit-identical on
 * every backend: normal(0, 0.02) for weights and embeddings, with each residual projection
 * (c_proj) scaled by 1/sqrt(2·layers) so the residual stream's variance does not grow with
 * depth; zero biases; LayerNorm gains of one. The bigram table starts at zero (uniform).
 */
export function initialTextValues(spec: TextModelSpec, seed: number): Float32Array[] {
  const rng = Rng.seeded(seed, 'text-init');
  const projectionStd = spec.kind === 'gpt' ? INIT_STD / Math.sqrt(2 * spec.layers) : INIT_STD;
  return textParamSpecs(spec).map((param) => {
    const values = new Float32Array(product(param.shape));
    if (param.role === 'normGain') values.fill(1);
    if (spec.kind === 'bigram' || (param.role !== 'linear' && param.role !== 'embedding')) return values;
    const std = param.name.endsWith('c_proj.weight') ? projectionStd : INIT_STD;
    for (let i = 0; i < values.length; i++) values[i] = std * rng.normal();
    return values;
  });
}
