// Where everything a fused GPT training step touches lives, in floats: the parameters packed
// in textParamSpecs order (the checkpoint's order, so a packed buffer maps to named tensors
// by offset), the activations of the forward pass kept for the backward one, the backward
// pass's scratch, and each dropout site's mask within one step's masks. Every offset becomes
// a constant of the generated WGSL (gpt-step-wgsl.ts).
import { textParamSpecs, type GptSpec } from '../gpt-spec.ts';

export interface PackedParam {
  name: string;
  shape: number[];
  offset: number;
  size: number;
  decay: boolean;
}

/** Activations and scratch of one layer, offsets into `acts`. */
export interface LayerActs {
  /** LayerNorm 1: output [N, C], then its per-row mean and 1/std [N]. */
  ln1: number;
  mean1: number;
  rstd1: number;
  /** q, k and v of every row [N, 3C], heads side by side as in nanoGPT's c_attn. */
  qkv: number;
  /** Attention probabilities before dropout [B, H, T, T] (only key ≤ query is written). */
  probs: number;
  /** Heads merged back, before c_proj [N, C]. */
  att: number;
  /** The residual stream after the attention branch [N, C]. */
  resMid: number;
  ln2: number;
  mean2: number;
  rstd2: number;
  /** c_fc's output before and after GELU [N, 4C]. */
  fcPre: number;
  fcAct: number;
  /** The residual stream after the MLP branch [N, C]; the next layer's input. */
  resOut: number;
}

/** Each dropout site's offset within one step's masks, in tf.dropout's call order (seed offset = site index). */
export interface MaskSites {
  embedding: number;
  /** Per layer: attention probabilities [B, H, T, T], the attention branch and the MLP branch [N, C]. */
  attention: number[];
  attentionBranch: number[];
  mlpBranch: number[];
  /** Sizes of the sites in call order, for drawing them. */
  sizes: number[];
}

export interface GptLayout {
  spec: GptSpec;
  batch: number;
  /** Rows of every activation: batch × context. */
  rows: number;
  T: number;
  C: number;
  H: number;
  /** Head size C / H. */
  D: number;
  /** MLP width 4C. */
  F: number;
  V: number;
  params: PackedParam[];
  paramCount: number;
  /** Offset of a parameter (and of its gradient in `grads`, and of its moments after P and 2P in `state`). */
  at: (name: string) => number;
  /** The residual stream entering the first block [N, C] (embeddings after dropout). */
  res0: number;
  layers: LayerActs[];
  lnf: number;
  meanF: number;
  rstdF: number;
  /** Logits [N, V], overwritten in place by their gradient. */
  logits: number;
  /** Each row's cross-entropy [N]. */
  rowLoss: number;
  /** Backward scratch: the residual stream's gradient, a branch's gradient (after the dropout mask), a LayerNorm output's gradient [N, C]. */
  dRes: number;
  dBranch: number;
  dLn: number;
  /** Gradient of c_fc's output before GELU [N, 4C]. */
  dFc: number;
  /** Gradient of the merged heads [N, C]. */
  dAtt: number;
  /** Gradient of the attention scores, scaled by 1/√D [B, H, T, T]. */
  dScores: number;
  /** Gradient of q, k, v [N, 3C]. */
  dQkv: number;
  /** Partial sums of squared gradients, then the clip factor. */
  normPartials: number;
  clipFactor: number;
  actsSize: number;
  masks: MaskSites;
  maskSizePerStep: number;
}

/** Threads that each sum a fixed slice of squared gradients; their partial sums are added by one thread. */
export const NORM_PARTS = 256;

/** The layout of `spec` trained on `batch` windows of its full context. */
export function gptLayout(spec: GptSpec, batch: number): GptLayout {
  const T = spec.context;
  const C = spec.width;
  const H = spec.heads;
  const N = batch * T;
  const params: PackedParam[] = [];
  let paramCount = 0;
  for (const p of textParamSpecs(spec)) {
    const size = p.shape.reduce((a, b) => a * b, 1);
    params.push({ name: p.name, shape: p.shape, offset: paramCount, size, decay: p.decay });
    paramCount += size;
  }
  const offsets = new Map(params.map((p) => [p.name, p.offset]));
  const at = (name: string) => {
    const offset = offsets.get(name);
    if (offset === undefined) throw new Error(`The GPT layout has no parameter ${name}.`);
    return offset;
  };

  let size = 0;
  // Four-float alignment keeps every array on a 16-byte boundary.
  const alloc = (floats: number) => {
    const offset = size;
    size += Math.ceil(floats / 4) * 4;
    return offset;
  };
  const NC = N * C;
  const scores = batch * H * T * T;
  const res0 = alloc(NC);
  const layers: LayerActs[] = [];
  for (let l = 0; l < spec.layers; l++) {
    layers.push({
      ln1: alloc(NC),
      mean1: alloc(N),
      rstd1: alloc(N),
      qkv: alloc(3 * NC),
      probs: alloc(scores),
      att: alloc(NC),
      resMid: alloc(NC),
      ln2: alloc(NC),
      mean2: alloc(N),
      rstd2: alloc(N),
      fcPre: alloc(4 * NC),
      fcAct: alloc(4 * NC),
      resOut: alloc(NC),
    });
  }
  const layout = {
    lnf: alloc(NC),
    meanF: alloc(N),
    rstdF: alloc(N),
    logits: alloc(N * spec.vocabSize),
    rowLoss: alloc(N),
    dRes: alloc(NC),
    dBranch: alloc(NC),
    dLn: alloc(NC),
    dFc: alloc(4 * NC),
    dAtt: alloc(NC),
    dScores: alloc(scores),
    dQkv: alloc(3 * NC),
    normPartials: alloc(NORM_PARTS),
    clipFactor: alloc(1),
  };

  let maskSize = 0;
  const sizes: number[] = [];
  const site = (floats: number) => {
    sizes.push(floats);
    maskSize += floats;
    return maskSize - floats;
  };
  const masks: MaskSites = { embedding: site(NC), attention: [], attentionBranch: [], mlpBranch: [], sizes };
  for (let l = 0; l < spec.layers; l++) {
    masks.attention.push(site(scores));
    masks.attentionBranch.push(site(NC));
    masks.mlpBranch.push(site(NC));
  }

  return {
    spec,
    batch,
    rows: N,
    T,
    C,
    H,
    D: C / H,
    F: 4 * C,
    V: spec.vocabSize,
    params,
    paramCount,
    at,
    res0,
    layers,
    ...layout,
    actsSize: size,
    masks,
    maskSizePerStep: maskSize,
  };
}

/** Bytes of the buffers a fused run of this layout allocates: state (params and two moments), gradients, activations, one step's masks. */
export function gptLayoutBytes(layout: GptLayout, withMasks: boolean): { largest: number; total: number } {
  const state = 3 * layout.paramCount * 4;
  const acts = layout.actsSize * 4;
  const masks = withMasks ? layout.maskSizePerStep * 4 : 0;
  return { largest: Math.max(state, acts, masks), total: state + layout.paramCount * 4 + acts + masks };
}
