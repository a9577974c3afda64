// Causal multi-head self-attention for a GPT step: per query, the probabilities (kept for the
// backward pass) and the weighted values; backward, per query the scores' and the query's
// gradients, then per key its own and its value's.
import { entry, f32, u, type OpEntry } from './gpt-wgsl-common.ts';

export interface AttentionShape {
  B: number;
  H: number;
  T: number;
  C: number;
  D: number;
  qkv: number;
  probs: number;
  att: number;
  /** Dropout site of the attention probabilities. */
  site: number;
}

/** Index helpers for invocation t = (b·H + h)·T + q. */
const attentionIndex = (s: AttentionShape) => `  let q = t % ${u(s.T)};
  let bh = t / ${u(s.T)};
  let h = bh % ${u(s.H)};
  let b = bh / ${u(s.H)};
  let rowOf = b * ${u(s.T)};
  let headCol = h * ${u(s.D)};`;

/** Causal softmax attention for one query of one head: probabilities (kept) and the weighted values. */
export function attentionForward(name: string, s: AttentionShape): OpEntry {
  const W = 3 * s.C;
  return entry(
    name,
    s.B * s.H * s.T,
    `${attentionIndex(s)}
  let qAt = ${u(s.qkv)} + (rowOf + q) * ${u(W)} + headCol;
  var scores: array<f32, ${s.T}>;
  var top = ${f32(-3.4e38)};
  for (var k: u32 = 0u; k <= q; k = k + 1u) {
    let kAt = ${u(s.qkv)} + (rowOf + k) * ${u(W)} + ${u(s.C)} + headCol;
    var prod = 0.0;
    for (var d: u32 = 0u; d < ${u(s.D)}; d = d + 1u) { prod = prod + acts[qAt + d] * acts[kAt + d]; }
    let score = prod * ${f32(1 / Math.sqrt(s.D))};
    scores[k] = score;
    top = max(top, score);
  }
  var total = 0.0;
  for (var k: u32 = 0u; k <= q; k = k + 1u) { let e = exp(scores[k] - top); scores[k] = e; total = total + e; }
  var acc: array<f32, ${s.D}>;
  for (var k: u32 = 0u; k <= q; k = k + 1u) {
    let p = scores[k] / total;
    acts[${u(s.probs)} + t * ${u(s.T)} + k] = p;
    var kept = p;
    if (rec.dropout != 0u) { kept = p * mask(${u(s.site)}, t * ${u(s.T)} + k); }
    let vAt = ${u(s.qkv)} + (rowOf + k) * ${u(W)} + ${u(2 * s.C)} + headCol;
    for (var d: u32 = 0u; d < ${u(s.D)}; d = d + 1u) { acc[d] = acc[d] + kept * acts[vAt + d]; }
  }
  let outAt = ${u(s.att)} + (rowOf + q) * ${u(s.C)} + headCol;
  for (var d: u32 = 0u; d < ${u(s.D)}; d = d + 1u) { acts[outAt + d] = acc[d]; }`,
  );
}

export interface AttentionBackwardShape extends AttentionShape {
  dAtt: number;
  dScores: number;
  dQkv: number;
}

/** Per query: the scores' gradient (softmax backward, scaled by 1/√D, kept for the keys' pass) and the query's gradient. */
export function attentionBackwardQueries(name: string, s: AttentionBackwardShape): OpEntry {
  const W = 3 * s.C;
  return entry(
    name,
    s.B * s.H * s.T,
    `${attentionIndex(s)}
  let gAt = ${u(s.dAtt)} + (rowOf + q) * ${u(s.C)} + headCol;
  var dp: array<f32, ${s.T}>;
  var weighted = 0.0;
  for (var k: u32 = 0u; k <= q; k = k + 1u) {
    let vAt = ${u(s.qkv)} + (rowOf + k) * ${u(W)} + ${u(2 * s.C)} + headCol;
    var prod = 0.0;
    for (var d: u32 = 0u; d < ${u(s.D)}; d = d + 1u) { prod = prod + acts[gAt + d] * acts[vAt + d]; }
    if (rec.dropout != 0u) { prod = prod * mask(${u(s.site)}, t * ${u(s.T)} + k); }
    dp[k] = prod;
    weighted = weighted + acts[${u(s.probs)} + t * ${u(s.T)} + k] * prod;
  }
  var dq: array<f32, ${s.D}>;
  for (var k: u32 = 0u; k <= q; k = k + 1u) {
    let ds = acts[${u(s.probs)} + t * ${u(s.T)} + k] * (dp[k] - weighted) * ${f32(1 / Math.sqrt(s.D))};
    acts[${u(s.dScores)} + t * ${u(s.T)} + k] = ds;
    let kAt = ${u(s.qkv)} + (rowOf + k) * ${u(W)} + ${u(s.C)} + headCol;
    for (var d: u32 = 0u; d < ${u(s.D)}; d = d + 1u) { dq[d] = dq[d] + ds * acts[kAt + d]; }
  }
  let dqAt = ${u(s.dQkv)} + (rowOf + q) * ${u(W)} + headCol;
  for (var d: u32 = 0u; d < ${u(s.D)}; d = d + 1u) { acts[dqAt + d] = dq[d]; }`,
  );
}

/** Per key: its gradient (from the scores' gradient and the queries) and its value's (from the kept probabilities and the output gradient). */
export function attentionBackwardKeys(name: string, s: AttentionBackwardShape): OpEntry {
  const W = 3 * s.C;
  return entry(
    name,
    s.B * s.H * s.T,
    `${attentionIndex(s)}
  let k = q;
  let bhBase = bh * ${u(s.T * s.T)};
  var dk: array<f32, ${s.D}>;
  var dv: array<f32, ${s.D}>;
  for (var i: u32 = k; i < ${u(s.T)}; i = i + 1u) {
    let at = bhBase + i * ${u(s.T)} + k;
    let ds = acts[${u(s.dScores)} + at];
    var kept = acts[${u(s.probs)} + at];
    if (rec.dropout != 0u) { kept = kept * mask(${u(s.site)}, at); }
    let qAt = ${u(s.qkv)} + (rowOf + i) * ${u(W)} + headCol;
    let gAt = ${u(s.dAtt)} + (rowOf + i) * ${u(s.C)} + headCol;
    for (var d: u32 = 0u; d < ${u(s.D)}; d = d + 1u) {
      dk[d] = dk[d] + ds * acts[qAt + d];
      dv[d] = dv[d] + kept * acts[gAt + d];
    }
  }
  let dkAt = ${u(s.dQkv)} + (rowOf + k) * ${u(W)} + ${u(s.C)} + headCol;
  for (var d: u32 = 0u; d < ${u(s.D)}; d = d + 1u) {
    acts[dkAt + d] = dk[d];
    acts[dkAt + ${u(s.C)} + d] = dv[d];
  }`,
  );
}
