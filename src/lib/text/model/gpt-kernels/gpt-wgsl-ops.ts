// WGSL generators for the operations of a GPT training step, each an entry point with every
// size and offset a constant. One invocation owns each output value (or a tile of them) and
// sums in a fixed order, with no atomics, so a step computes the same bits every time on a
// device. Written for Tint (Chromium) and Naga (Firefox) alike: no extensions, explicit types.
import { LAYER_NORM_EPSILON } from '../gpt-spec.ts';
import { CLIP_EPSILON } from '../clip.ts';

/** Invocations per workgroup. A software GPU runs a workgroup on one thread, so small groups spread a dispatch over more cores. */
export const GROUP = 32;
/** Workgroups per row of the dispatch grid; more spill into y. */
const GRID_X = 65535;

export type Buf = 'state' | 'grads' | 'acts';

/** One entry point of the step and how many invocations it needs. */
export interface OpEntry {
  name: string;
  code: string;
  threads: number;
}

/** The float32 nearest to `x` as an exact WGSL expression. */
export function f32(x: number): string {
  const bits = new Uint32Array(new Float32Array([x]).buffer)[0];
  return `bitcast<f32>(${bits}u)`;
}

const u = (n: number) => `${n}u`;

/** Workgroups for `threads` invocations, as [x, y]. */
export function workgroupsFor(threads: number): [number, number] {
  const groups = Math.max(1, Math.ceil(threads / GROUP));
  return [Math.min(groups, GRID_X), Math.ceil(groups / GRID_X)];
}

/** An entry point whose invocation index is `t`, returning past `threads`. */
function entry(name: string, threads: number, body: string): OpEntry {
  const code = `@compute @workgroup_size(${GROUP})
fn ${name}(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let t = (wg.y * ${u(GRID_X)} + wg.x) * ${u(GROUP)} + li;
  if (t >= ${u(threads)}) { return; }
${body}
}`;
  return { name, code, threads };
}

/**
 * What every entry point binds, and the helpers they share. The step record is a uniform at a
 * dynamic offset per step; tokens hold each queued step's inputs then targets; masks each
 * queued step's dropout multipliers (read only when the record says dropout is on).
 */
export function header(rows: number, maskSizePerStep: number): string {
  return `struct StepRecord {
  slot: u32,
  lossSlot: u32,
  dropout: u32,
  clip: f32,
  decayFactor: f32,
  stepSize: f32,
  correction2Root: f32,
  spare: f32,
}
@group(0) @binding(0) var<uniform> rec: StepRecord;
@group(0) @binding(1) var<storage, read> tokens: array<u32>;
@group(0) @binding(2) var<storage, read> masks: array<f32>;
@group(0) @binding(3) var<storage, read_write> state: array<f32>;
@group(0) @binding(4) var<storage, read_write> grads: array<f32>;
@group(0) @binding(5) var<storage, read_write> acts: array<f32>;
@group(0) @binding(6) var<storage, read_write> losses: array<f32>;

fn inputToken(n: u32) -> u32 { return tokens[rec.slot * ${u(2 * rows)} + n]; }
fn targetToken(n: u32) -> u32 { return tokens[rec.slot * ${u(2 * rows)} + ${u(rows)} + n]; }
fn mask(site: u32, i: u32) -> f32 { return masks[rec.slot * ${u(maskSizePerStep)} + site + i]; }

// TensorFlow.js's erf (Abramowitz and Stegun 7.1.26), so GELU matches the reference path.
fn erf(x: f32) -> f32 {
  let v = abs(x);
  let k = 1.0 / (1.0 + ${f32(0.3275911)} * v);
  let poly = ((((${f32(1.061405429)} * k + ${f32(-1.453152027)}) * k + ${f32(1.421413741)}) * k + ${f32(-0.284496736)}) * k + ${f32(0.254829592)}) * k;
  return sign(x) * (1.0 - poly * exp(-v * v));
}
// The exact GELU, x·Φ(x), as gpt-forward.ts computes it: x·0.5·(erf(x/√2) + 1).
fn gelu(z: f32) -> f32 { return z * 0.5 * (erf(z * ${f32(Math.SQRT1_2)}) + 1.0); }
// Its derivative as autodiff of that expression gives it: Φ(x) + x·φ(x), with erf' = 2/√π·exp(−x²).
fn geluSlope(z: f32) -> f32 {
  let s = z * ${f32(Math.SQRT1_2)};
  return 0.5 * (erf(s) + 1.0) + z * 0.5 * (${f32(2 / Math.sqrt(Math.PI))} * exp(-s * s)) * ${f32(Math.SQRT1_2)};
}`;
}

/** Element (i, k) of a matrix operand at buf[off + i·rs + k·cs]. */
export interface Operand {
  buf: Buf;
  off: number;
  rs: number;
  cs: number;
}

export type Epilogue =
  | { kind: 'store' }
  | { kind: 'bias'; bias: number }
  /** Keeps z = acc + bias at acts[pre + ij] and stores gelu(z). */
  | { kind: 'gelu'; bias: number; pre: number }
  /** Stores acc · gelu'(acts[pre + ij]). */
  | { kind: 'geluGrad'; pre: number }
  /** Stores acts[residual + ij] + dropout(acc + bias), the mask at `site`. */
  | { kind: 'residual'; bias: number; residual: number; site: number };

export interface Matmul {
  name: string;
  M: number;
  N: number;
  K: number;
  /** A(i, k), i < M, k < K. */
  a: Operand;
  /** B(k, j), k < K, j < N. */
  b: Operand;
  /** Output [M, N], row-major. */
  out: { buf: Buf; off: number };
  epilogue: Epilogue;
  /** Also Σ_k A(i, k) for every row i, into buf[off + i] (a bias's gradient), by M more invocations. */
  rowSums?: { buf: Buf; off: number };
}

/** Rows and columns of the output tile each invocation computes: loads, not multiply-adds, set the pace on a software GPU. */
const TILE = 8;
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

function epilogueCode(e: Epilogue, outAt: string, ij: string, col: string, acc: string, out: string): string {
  switch (e.kind) {
    case 'store':
      return `${out}[${outAt}] = ${acc};`;
    case 'bias':
      return `${out}[${outAt}] = ${acc} + state[${u(e.bias)} + ${col}];`;
    case 'gelu':
      return `{ let z = ${acc} + state[${u(e.bias)} + ${col}]; acts[${u(e.pre)} + ${ij}] = z; ${out}[${outAt}] = gelu(z); }`;
    case 'geluGrad':
      return `${out}[${outAt}] = ${acc} * geluSlope(acts[${u(e.pre)} + ${ij}]);`;
    case 'residual':
      return `{ var z = ${acc} + state[${u(e.bias)} + ${col}]; if (rec.dropout != 0u) { z = z * mask(${u(e.site)}, ${ij}); } ${out}[${outAt}] = acts[${u(e.residual)} + ${ij}] + z; }`;
  }
}

/** out = A·B with an epilogue, in tiles of up to 8 × 8 per invocation; k runs in order, so every value sums the same way. */
export function matmul(m: Matmul): OpEntry {
  const TR = Math.min(TILE, m.M);
  const TC = Math.min(TILE, m.N);
  const down = Math.ceil(m.M / TR);
  const across = Math.ceil(m.N / TC);
  const tiles = down * across;
  const raggedRows = m.M % TR !== 0;
  const raggedCols = m.N % TC !== 0;
  const rowIndex = (r: number) => (raggedRows ? `min(i0 + ${u(r)}, ${u(m.M - 1)})` : `(i0 + ${u(r)})`);
  const colIndex = (c: number) => (raggedCols ? `min(j0 + ${u(c)}, ${u(m.N - 1)})` : `(j0 + ${u(c)})`);
  const { a, b } = m;
  const lines: string[] = [];
  if (m.rowSums) {
    lines.push(`  if (t >= ${u(tiles)}) {
    let i = t - ${u(tiles)};
    var sum = 0.0;
    for (var k: u32 = 0u; k < ${u(m.K)}; k = k + 1u) { sum = sum + ${a.buf}[${u(a.off)} + i * ${u(a.rs)} + k * ${u(a.cs)}]; }
    ${m.rowSums.buf}[${u(m.rowSums.off)} + i] = sum;
    return;
  }`);
  }
  lines.push(`  let i0 = (t / ${u(across)}) * ${u(TR)};`, `  let j0 = (t % ${u(across)}) * ${u(TC)};`);
  for (const r of range(TR)) lines.push(`  let ar${r} = ${u(a.off)} + ${rowIndex(r)} * ${u(a.rs)};`);
  for (const c of range(TC)) lines.push(`  let bc${c} = ${u(b.off)} + ${colIndex(c)} * ${u(b.cs)};`);
  for (const r of range(TR)) lines.push(`  var c${r}: array<f32, ${TC}>;`);
  lines.push(`  for (var k: u32 = 0u; k < ${u(m.K)}; k = k + 1u) {`);
  lines.push(`    let ak = k * ${u(a.cs)};`, `    let bk = k * ${u(b.rs)};`);
  for (const c of range(TC)) lines.push(`    let b${c} = ${b.buf}[bc${c} + bk];`);
  for (const r of range(TR)) {
    lines.push(`    let a${r} = ${a.buf}[ar${r} + ak];`);
    for (const c of range(TC)) lines.push(`    c${r}[${c}] = c${r}[${c}] + a${r} * b${c};`);
  }
  lines.push('  }');
  for (const r of range(TR)) {
    for (const c of range(TC)) {
      const ij = `(i0 + ${u(r)}) * ${u(m.N)} + j0 + ${u(c)}`;
      const store = epilogueCode(m.epilogue, `${u(m.out.off)} + ${ij}`, ij, `j0 + ${u(c)}`, `c${r}[${c}]`, m.out.buf);
      const guards = [raggedRows ? `i0 + ${u(r)} < ${u(m.M)}` : '', raggedCols ? `j0 + ${u(c)} < ${u(m.N)}` : ''].filter(Boolean);
      lines.push(guards.length ? `  if (${guards.join(' && ')}) { ${store} }` : `  ${store}`);
    }
  }
  return entry(m.name, tiles + (m.rowSums ? m.M : 0), lines.join('\n'));
}

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
