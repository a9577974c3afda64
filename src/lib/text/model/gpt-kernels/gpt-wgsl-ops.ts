// The row- and parameter-wise operations of a GPT step: embeddings, LayerNorm forward and
// backward, cross-entropy, the tied embedding's gradient, the global gradient norm, the loss,
// and AdamW.
import { LAYER_NORM_EPSILON } from '../gpt-spec.ts';
import { CLIP_EPSILON } from '../clip.ts';
import { entry, f32, u, type OpEntry } from './gpt-wgsl-common.ts';

/** Token plus position embeddings into the residual stream [N, C], with the embedding dropout. */
export function embedForward(name: string, o: { N: number; T: number; C: number; wte: number; wpe: number; out: number; site: number }): OpEntry {
  return entry(
    name,
    o.N * o.C,
    `  let n = t / ${u(o.C)};
  let c = t % ${u(o.C)};
  var x = state[${u(o.wte)} + inputToken(n) * ${u(o.C)} + c] + state[${u(o.wpe)} + (n % ${u(o.T)}) * ${u(o.C)} + c];
  if (rec.dropout != 0u) { x = x * mask(${u(o.site)}, t); }
  acts[${u(o.out)} + t] = x;`,
  );
}

/** PyTorch's LayerNorm of each row [N, C] (biased variance), keeping each row's mean and 1/std for the backward pass. */
export function layerNormForward(name: string, o: { N: number; C: number; x: number; gain: number; bias: number; out: number; mean: number; rstd: number }): OpEntry {
  return entry(
    name,
    o.N,
    `  let base = ${u(o.x)} + t * ${u(o.C)};
  var sum = 0.0;
  for (var c: u32 = 0u; c < ${u(o.C)}; c = c + 1u) { sum = sum + acts[base + c]; }
  let mean = sum / ${f32(o.C)};
  var squares = 0.0;
  for (var c: u32 = 0u; c < ${u(o.C)}; c = c + 1u) { let d = acts[base + c] - mean; squares = squares + d * d; }
  let rstd = 1.0 / sqrt(squares / ${f32(o.C)} + ${f32(LAYER_NORM_EPSILON)});
  acts[${u(o.mean)} + t] = mean;
  acts[${u(o.rstd)} + t] = rstd;
  for (var c: u32 = 0u; c < ${u(o.C)}; c = c + 1u) {
    acts[${u(o.out)} + t * ${u(o.C)} + c] = (acts[base + c] - mean) * rstd * state[${u(o.gain)} + c] + state[${u(o.bias)} + c];
  }`,
  );
}

/**
 * The input gradient of a LayerNorm, added to the residual stream's gradient dRes (or
 * replacing it when `first`); then dBranch = dRes times the dropout mask of the branch
 * below (`site`), which the next backward matmuls read.
 */
export function layerNormBackward(
  name: string,
  o: { N: number; C: number; x: number; mean: number; rstd: number; gain: number; dy: number; dRes: number; dBranch: number; site: number; first: boolean },
): OpEntry {
  const row = `t * ${u(o.C)} + c`;
  return entry(
    name,
    o.N,
    `  let mean = acts[${u(o.mean)} + t];
  let rstd = acts[${u(o.rstd)} + t];
  var m1 = 0.0;
  var m2 = 0.0;
  for (var c: u32 = 0u; c < ${u(o.C)}; c = c + 1u) {
    let xhat = (acts[${u(o.x)} + ${row}] - mean) * rstd;
    let dxhat = acts[${u(o.dy)} + ${row}] * state[${u(o.gain)} + c];
    m1 = m1 + dxhat;
    m2 = m2 + dxhat * xhat;
  }
  m1 = m1 / ${f32(o.C)};
  m2 = m2 / ${f32(o.C)};
  for (var c: u32 = 0u; c < ${u(o.C)}; c = c + 1u) {
    let xhat = (acts[${u(o.x)} + ${row}] - mean) * rstd;
    let dxhat = acts[${u(o.dy)} + ${row}] * state[${u(o.gain)} + c];
    let dx = rstd * (dxhat - m1 - xhat * m2);
    let r = ${o.first ? 'dx' : `acts[${u(o.dRes)} + ${row}] + dx`};
    acts[${u(o.dRes)} + ${row}] = r;
    var branch = r;
    if (rec.dropout != 0u) { branch = r * mask(${u(o.site)}, ${row}); }
    acts[${u(o.dBranch)} + ${row}] = branch;
  }`,
  );
}

/** A LayerNorm's gain and bias gradients: per column, sums over the N rows in order. */
export function layerNormParamGrads(name: string, o: { N: number; C: number; x: number; mean: number; rstd: number; dy: number; gain: number; bias: number }): OpEntry {
  return entry(
    name,
    o.C,
    `  var dGain = 0.0;
  var dBias = 0.0;
  for (var n: u32 = 0u; n < ${u(o.N)}; n = n + 1u) {
    let dy = acts[${u(o.dy)} + n * ${u(o.C)} + t];
    let xhat = (acts[${u(o.x)} + n * ${u(o.C)} + t] - acts[${u(o.mean)} + n]) * acts[${u(o.rstd)} + n];
    dGain = dGain + dy * xhat;
    dBias = dBias + dy;
  }
  grads[${u(o.gain)} + t] = dGain;
  grads[${u(o.bias)} + t] = dBias;`,
  );
}

/** Each row's softmax cross-entropy against its target, and the logits' gradient (softmax − one-hot)/N in their place. */
export function crossEntropy(name: string, o: { N: number; V: number; logits: number; rowLoss: number }): OpEntry {
  return entry(
    name,
    o.N,
    `  let base = ${u(o.logits)} + t * ${u(o.V)};
  let goal = targetToken(t);
  var top = ${f32(-3.4e38)};
  for (var v: u32 = 0u; v < ${u(o.V)}; v = v + 1u) { top = max(top, acts[base + v]); }
  var total = 0.0;
  for (var v: u32 = 0u; v < ${u(o.V)}; v = v + 1u) { total = total + exp(acts[base + v] - top); }
  acts[${u(o.rowLoss)} + t] = log(total) + top - acts[base + goal];
  for (var v: u32 = 0u; v < ${u(o.V)}; v = v + 1u) {
    let p = exp(acts[base + v] - top) / total;
    acts[base + v] = (p - select(0.0, 1.0, v == goal)) * ${f32(1 / o.N)};
  }`,
  );
}

/** The tied token embedding's second gradient: each row of dBranch added to its token's row, rows in order. */
export function embeddingBackward(name: string, o: { N: number; T: number; C: number; V: number; dx: number; wte: number; wpe: number; batch: number }): OpEntry {
  const tokenThreads = o.V * o.C;
  return entry(
    name,
    tokenThreads + o.T * o.C,
    `  if (t >= ${u(tokenThreads)}) {
    let i = t - ${u(tokenThreads)};
    let pos = i / ${u(o.C)};
    let c = i % ${u(o.C)};
    var sum = 0.0;
    for (var b: u32 = 0u; b < ${u(o.batch)}; b = b + 1u) { sum = sum + acts[${u(o.dx)} + (b * ${u(o.T)} + pos) * ${u(o.C)} + c]; }
    grads[${u(o.wpe)} + i] = sum;
    return;
  }
  let token = t / ${u(o.C)};
  let c = t % ${u(o.C)};
  var sum = 0.0;
  for (var n: u32 = 0u; n < ${u(o.N)}; n = n + 1u) {
    if (inputToken(n) == token) { sum = sum + acts[${u(o.dx)} + n * ${u(o.C)} + c]; }
  }
  grads[${u(o.wte)} + t] = grads[${u(o.wte)} + t] + sum;`,
  );
}

/** Partial sums of squared gradients over fixed slices, for the global norm. */
export function normParts(name: string, o: { P: number; parts: number; out: number }): OpEntry {
  const slice = Math.ceil(o.P / o.parts);
  return entry(
    name,
    o.parts,
    `  let start = t * ${u(slice)};
  let end = min(start + ${u(slice)}, ${u(o.P)});
  var sum = 0.0;
  for (var p: u32 = start; p < end; p = p + 1u) { let g = grads[p]; sum = sum + g * g; }
  acts[${u(o.out)} + t] = sum;`,
  );
}

/** One invocation: the clip factor min(1, clip/(norm + 1e-6)) (1 without clipping) and the step's mean loss into its slot. */
export function finishStep(name: string, o: { parts: number; partials: number; factor: number; N: number; rowLoss: number }): OpEntry {
  return entry(
    name,
    1,
    `  var squares = 0.0;
  for (var i: u32 = 0u; i < ${u(o.parts)}; i = i + 1u) { squares = squares + acts[${u(o.partials)} + i]; }
  var factor = 1.0;
  if (rec.clip > 0.0) { factor = min(1.0, rec.clip / (sqrt(squares) + ${f32(CLIP_EPSILON)})); }
  acts[${u(o.factor)}] = factor;
  var loss = 0.0;
  for (var n: u32 = 0u; n < ${u(o.N)}; n = n + 1u) { loss = loss + acts[${u(o.rowLoss)} + n]; }
  losses[rec.lossSlot] = loss / ${f32(o.N)};`,
  );
}

/** One invocation: the mean of the rows' losses into losses[0], rows in order. */
export function meanLoss(name: string, o: { N: number; rowLoss: number }): OpEntry {
  return entry(
    name,
    1,
    `  var loss = 0.0;
  for (var n: u32 = 0u; n < ${u(o.N)}; n = n + 1u) { loss = loss + acts[${u(o.rowLoss)} + n]; }
  losses[0] = loss / ${f32(o.N)};`,
  );
}

/**
 * AdamW on every parameter, as adamw.ts (PyTorch's order): decay the weight, move the moments,
 * step by stepSize · m / (√v / √(1 − β2ᵗ) + ε). Moments live at P and 2P in `state`.
 */
export function adamW(name: string, o: { P: number; factor: number; decayRanges: [number, number][]; beta1: number; beta2: number; epsilon: number }): OpEntry {
  const decays = o.decayRanges.length ? o.decayRanges.map(([a, b]) => `(t >= ${u(a)} && t < ${u(b)})`).join(' || ') : 'false';
  return entry(
    name,
    o.P,
    `  let g = grads[t] * acts[${u(o.factor)}];
  var w = state[t];
  if (${decays}) { w = w * rec.decayFactor; }
  let m = state[${u(o.P)} + t] * ${f32(o.beta1)} + g * ${f32(1 - o.beta1)};
  let v = state[${u(2 * o.P)} + t] * ${f32(o.beta2)} + (g * g) * ${f32(1 - o.beta2)};
  state[${u(o.P)} + t] = m;
  state[${u(2 * o.P)} + t] = v;
  let denominator = sqrt(v) / rec.correction2Root + ${f32(o.epsilon)};
  state[t] = w - (m / denominator) * rec.stepSize;`,
  );
}
