// WGSL for one MLP training step (forward, loss, backward, optimizer update), generated from
// the layout so every size and offset is a constant. Every sum runs in a fixed order, with no
// atomics, so a run is deterministic. Small models run as one workgroup looping over many
// steps ('single'): a row's whole pass per invocation (mlp-step-rows.ts), one barrier, the
// updates, one barrier. Large ones run as a dispatch per phase ('phases'): the hidden layers'
// forward passes in tiles (mlp-step-tiles.ts), a one-workgroup head (last layer, loss, its
// deltas), the deltas of the hidden layers below it, then every gradient and update in one.
// The digits MLP (784-64-10) so runs 3 dispatches per step.
// Written for Tint and Naga alike: no extensions, explicit types, barriers in uniform control flow.
import { ADAM_BETA1, ADAM_BETA2, EPSILON, MOMENTUM, RMSPROP_DECAY } from '../../engine/optimizers.ts';
import type { Activation } from '../../engine/config.ts';
import { RECORD_WORDS, type MlpLayout } from './mlp-layout.ts';
import { canUnrollRows, headRowCode, UNROLL_LIMIT, unrolledRowsCode } from './mlp-step-rows.ts';
import { canTileForward, canTileUpdate, forwardThreads, forwardTileCode, inputAtCode, updateThreads, updateTileCode } from './mlp-step-tiles.ts';

/**
 * Invocations per workgroup of the per-phase dispatches. A software GPU runs each workgroup
 * on one CPU thread, so smaller groups spread a dispatch over more cores: on SwiftShader the
 * digits step ran ~10% faster with 32 than with 64 (16 was no faster than 32).
 */
export const WORKGROUP_SIZE = 32;

/**
 * Invocations of the one-workgroup entry points (every step of 'single', the head of
 * 'phases'). SwiftShader runs a workgroup four invocations at a time and switches between
 * those fours at every barrier, so the same arithmetic costs less in fewer invocations: the
 * spiral step ran ~1.4× faster with 4 than with 64 (8 alike, 16 and 32 in between). A
 * hardware GPU would want more; the goals are measured on this software one.
 */
export const ONE_GROUP_SIZE = 4;

/** The float32 nearest to `x` as an exact WGSL expression. */
function f32(x: number): string {
  const bits = new Uint32Array(new Float32Array([x]).buffer)[0];
  return `bitcast<f32>(${bits}u)`;
}

const ACTIVATE: Record<Activation, string> = {
  relu: 'max(z, 0.0)',
  // tfjs's WebGPU tanh: stable where exp overflows.
  tanh: 'sign(z) * (1.0 - exp(-2.0 * abs(z))) / (1.0 + exp(-2.0 * abs(z)))',
  sigmoid: '1.0 / (1.0 + exp(-z))',
  linear: 'z',
};

const SLOPE: Record<Activation, string> = {
  relu: 'select(0.0, 1.0, y > 0.0)',
  tanh: '1.0 - y * y',
  sigmoid: 'y * (1.0 - y)',
  linear: '1.0',
};

function optimizerUpdate(layout: MlpLayout): string {
  const P = layout.paramCount;
  switch (layout.optimizer) {
    case 'sgd':
      return `state[p] = -lr * g + w;`;
    case 'momentum':
      return `let acc = ${f32(MOMENTUM)} * state[${P}u + p] + g;
  state[${P}u + p] = acc;
  state[p] = -lr * acc + w;`;
    case 'adam':
      return `let m = state[${P}u + p] * ${f32(ADAM_BETA1)} + g * ${f32(1 - ADAM_BETA1)};
  let v = state[${2 * P}u + p] * ${f32(ADAM_BETA2)} + (g * g) * ${f32(1 - ADAM_BETA2)};
  state[${P}u + p] = m;
  state[${2 * P}u + p] = v;
  let mHat = m / recordFloat(s, 1u);
  let vHat = v / recordFloat(s, 2u);
  state[p] = (mHat / (sqrt(vHat) + ${f32(EPSILON)})) * -lr + w;`;
    case 'rmsprop':
      return `let ms = state[${P}u + p] * ${f32(RMSPROP_DECAY)} + (g * g) * ${f32(1 - RMSPROP_DECAY)};
  let mom = (g * lr) / sqrt(ms + ${f32(EPSILON)});
  state[${P}u + p] = ms;
  state[${2 * P}u + p] = mom;
  state[p] = w - mom;`;
  }
}

/** Entry points and the workgroups each is dispatched with, in the order one step runs them. */
export interface PhaseEntry {
  entryPoint: string;
  workgroups: number;
}

export interface MlpStepShader {
  code: string;
  /** 'single': one entry point, one workgroup, many steps. 'phases': these entry points per step. */
  entries: PhaseEntry[];
  /** Size of the scratch buffer, in 32-bit words. */
  scratchWords: number;
}

/**
 * `maxChunk` is the most steps one chunk buffer holds (records, then batch indices).
 * 'single' runs every step of a chunk in one workgroup; 'phases' runs one dispatch per phase.
 */
export function mlpStepShader(layout: MlpLayout, maxChunk: number, mode: 'single' | 'phases'): MlpStepShader {
  const groupSize = ONE_GROUP_SIZE;
  const { sizes, batch: B } = layout;
  const layers = sizes.length - 1;
  const W = WORKGROUP_SIZE;
  const indexBase = maxChunk * RECORD_WORDS;
  const parts: string[] = [];
  parts.push(`struct DispatchInfo { first: u32, count: u32 }
@group(0) @binding(0) var<uniform> dispatchInfo: DispatchInfo;
@group(0) @binding(1) var<storage, read> chunk: array<u32>;
@group(0) @binding(2) var<storage, read> dataX: array<f32>;
@group(0) @binding(3) var<storage, read> dataY: array<f32>;
@group(0) @binding(4) var<storage, read> masks: array<f32>;
@group(0) @binding(5) var<storage, read_write> state: array<f32>;
@group(0) @binding(6) var<storage, read_write> scratch: array<f32>;
@group(0) @binding(7) var<storage, read_write> losses: array<f32>;

fn recordFloat(s: u32, word: u32) -> f32 { return bitcast<f32>(chunk[s * ${RECORD_WORDS}u + word]); }
fn usesDropout(s: u32) -> bool { return chunk[s * ${RECORD_WORDS}u + 5u] != 0u; }
fn example(s: u32, b: u32) -> u32 { return chunk[${indexBase}u + s * ${B}u + b]; }
fn activate(z: f32) -> f32 { return ${ACTIVATE[layout.activation]}; }
fn slope(y: f32) -> f32 { return ${SLOPE[layout.activation]}; }
`);
  parts.push(lossCode(layout, groupSize));
  parts.push(`fn applyOptimizer(s: u32, p: u32, g: f32) {
  let lr = recordFloat(s, 0u);
  let w = state[p];
  ${optimizerUpdate(layout)}
}`);
  // Scratch: the layout's, one partial sum of squares per invocation, then ('single') each invocation's partial gradients.
  const partialsOffset = layout.scratchSize + groupSize;
  if (mode === 'single') {
    if (!canUnrollRows(layout)) throw new Error(`The one-workgroup fused step covers networks of at most ${UNROLL_LIMIT} weights (inputs × outputs over the layers); this one has more, so run it per phase.`);
    parts.push(unrolledRowsCode(layout, groupSize, partialsOffset));
    return { code: parts.join('\n\n'), entries: [{ entryPoint: 'trainSteps', workgroups: 1 }], scratchWords: partialsOffset + groupSize * layout.paramCount };
  }
  for (let i = 0; i < layers; i++) parts.push(inputAtCode(layout, i));
  // The per-phase mode's hidden layers, an output (or a tile of them) per invocation.
  for (let i = 0; i < layers - 1; i++) {
    const [n, m] = [sizes[i], sizes[i + 1]];
    if (canTileForward(layout, i)) {
      parts.push(forwardTileCode(layout, i, false));
      continue;
    }
    parts.push(`fn forward${i}(s: u32, e: u32) {
  let dropout = usesDropout(s);
  let b = e / ${m}u;
  let j = e % ${m}u;
  let inputBase = ${i === 0 ? `example(s, b) * ${n}u` : `b * ${n}u`};
  var sum: f32 = 0.0;
  for (var k: u32 = 0u; k < ${n}u; k = k + 1u) { sum = sum + inputAt${i}(s, inputBase, k, dropout) * state[${layout.kernelOffsets[i]}u + k * ${m}u + j]; }
  scratch[${layout.outputOffsets[i]}u + e] = activate(sum + state[${layout.biasOffsets[i]}u + j]);
}`);
  }
  parts.push(headRowCode(layout));
  for (let i = layers - 2; i >= 1; i--) {
    const [n, m] = [sizes[i], sizes[i + 1]];
    parts.push(`fn backward${i}(s: u32, e: u32) {
  let b = e / ${n}u;
  let k = e % ${n}u;
  var sum: f32 = 0.0;
  for (var j: u32 = 0u; j < ${m}u; j = j + 1u) { sum = sum + scratch[${layout.deltaOffsets[i]}u + b * ${m}u + j] * state[${layout.kernelOffsets[i]}u + k * ${m}u + j]; }
  if (usesDropout(s)) { sum = sum * masks[s * ${layout.maskSizePerStep}u + ${layout.maskOffsets[i - 1]}u + e]; }
  scratch[${layout.deltaOffsets[i - 1]}u + e] = sum * slope(scratch[${layout.outputOffsets[i - 1]}u + e]);
}`);
  }
  for (let i = 0; i < layers; i++) {
    const [n, m] = [sizes[i], sizes[i + 1]];
    const delta = layout.deltaOffsets[i];
    parts.push(`fn update${i}(s: u32, t: u32, dropout: bool) {
  var sum: f32 = 0.0;
  if (t < ${n * m}u) {
    let k = t / ${m}u;
    let j = t % ${m}u;
    for (var b: u32 = 0u; b < ${B}u; b = b + 1u) { sum = sum + inputAt${i}(s, ${i === 0 ? `example(s, b) * ${n}u` : `b * ${n}u`}, k, dropout) * scratch[${delta}u + b * ${m}u + j]; }
    let p = ${layout.kernelOffsets[i]}u + t;
    let l2 = recordFloat(s, 3u);
    if (l2 > 0.0) { sum = sum + l2 * (2.0 * state[p]); }
    applyOptimizer(s, p, sum);
  } else {
    let j = t - ${n * m}u;
    for (var b: u32 = 0u; b < ${B}u; b = b + 1u) { sum = sum + scratch[${delta}u + b * ${m}u + j]; }
    applyOptimizer(s, ${layout.biasOffsets[i]}u + j, sum);
  }
}`);
  }
  for (let i = 0; i < layers; i++) if (canTileUpdate(layout, i)) parts.push(updateTileCode(layout, i));
  // One dispatch per phase; each thread does one element (or tile).
  const entries: PhaseEntry[] = [];
  const phase = (name: string, count: number, call: string) => {
    parts.push(`@compute @workgroup_size(${W})
fn ${name}(@builtin(global_invocation_id) gid: vec3<u32>) {
  let s = dispatchInfo.first;
  let e = gid.x;
  if (e < ${count}u) { ${call} }
}`);
    entries.push({ entryPoint: name, workgroups: Math.ceil(count / W) });
  };
  for (let i = 0; i < layers - 1; i++) {
    const call = canTileForward(layout, i) ? `forwardTile${i}(s, e);` : `forward${i}(s, e);`;
    phase(`forwardPhase${i}`, forwardThreads(layout, i), call);
  }
  // The last layer, the loss and the last layer's deltas, a row per invocation, in one workgroup
  // so that it can also sum the batch's loss.
  parts.push(`@compute @workgroup_size(${groupSize})
fn headPhase(@builtin(local_invocation_index) tid: u32) {
  let s = dispatchInfo.first;
  let dropout = usesDropout(s);
  for (var b: u32 = tid; b < ${B}u; b = b + ${groupSize}u) { headRow(s, b, dropout); }
  sumSquares(s, tid);
  storageBarrier();
  if (tid == 0u) { finishLoss(s); }
}`);
  entries.push({ entryPoint: 'headPhase', workgroups: 1 });
  for (let i = layers - 2; i >= 1; i--) phase(`backwardPhase${i}`, B * sizes[i], `backward${i}(s, e);`);
  let dispatchUpdate = '';
  let start = 0;
  for (let i = 0; i < layers; i++) {
    const [fn, count] = canTileUpdate(layout, i) ? [`updateTile${i}`, updateThreads(layout, i)] : [`update${i}`, sizes[i] * sizes[i + 1] + sizes[i + 1]];
    dispatchUpdate += `${i > 0 ? ' else ' : ''}if (e < ${start + count}u) { ${fn}(s, e - ${start}u${fn.startsWith('updateTile') ? '' : ', usesDropout(s)'}); }`;
    start += count;
  }
  phase('updatePhase', start, dispatchUpdate);
  return { code: parts.join('\n\n'), entries, scratchWords: partialsOffset };
}

/**
 * `lossRow`: one row's loss and the last layer's delta. `sumSquares`: this invocation's share
 * of the L2 sum, from the weights before the update. `finishLoss` (one invocation, after a
 * barrier): the batch loss plus L2, into the ring. The partial sums live in scratch, not in
 * workgroup memory, so that one storageBarrier orders them with everything else.
 */
function lossCode(layout: MlpLayout, groupSize: number): string {
  const { sizes, batch: B } = layout;
  const layers = sizes.length - 1;
  const outputs = sizes[layers];
  const out = layout.outputOffsets[layers - 1];
  const delta = layout.deltaOffsets[layers - 1];
  const partials = layout.scratchSize;
  const row =
    layout.loss === 'softmaxCrossEntropy'
      ? `var maxZ: f32 = scratch[${out}u + row];
  for (var j: u32 = 1u; j < ${outputs}u; j = j + 1u) { maxZ = max(maxZ, scratch[${out}u + row + j]); }
  var sumExp: f32 = 0.0;
  for (var j: u32 = 0u; j < ${outputs}u; j = j + 1u) { sumExp = sumExp + exp(scratch[${out}u + row + j] - maxZ); }
  let logSumExp = maxZ + log(sumExp);
  var rowLoss: f32 = 0.0;
  for (var j: u32 = 0u; j < ${outputs}u; j = j + 1u) {
    let z = scratch[${out}u + row + j];
    let y = dataY[targetAt + j];
    rowLoss = rowLoss + y * (logSumExp - z);
    scratch[${delta}u + row + j] = (exp(z - maxZ) / sumExp - y) / ${B}.0;
  }`
      : `var rowLoss: f32 = 0.0;
  for (var j: u32 = 0u; j < ${outputs}u; j = j + 1u) {
    let diff = scratch[${out}u + row + j] - dataY[targetAt + j];
    rowLoss = rowLoss + diff * diff;
    scratch[${delta}u + row + j] = (2.0 * diff) / ${B * outputs}.0;
  }`;
  let squares = '';
  for (let i = 0; i < layers; i++) {
    squares += `    for (var p: u32 = ${layout.kernelOffsets[i]}u + tid; p < ${layout.biasOffsets[i]}u; p = p + ${groupSize}u) { squares = squares + state[p] * state[p]; }\n`;
  }
  const divisor = layout.loss === 'softmaxCrossEntropy' ? B : B * outputs;
  return `fn lossRow(s: u32, b: u32) {
  let row = b * ${outputs}u;
  let targetAt = example(s, b) * ${outputs}u;
  ${row}
  scratch[${layout.rowLossOffset}u + b] = rowLoss;
}

fn sumSquares(s: u32, tid: u32) {
  if (recordFloat(s, 3u) > 0.0) {
    var squares: f32 = 0.0;
${squares}    scratch[${partials}u + tid] = squares;
  }
}

fn finishLoss(s: u32) {
  var sum: f32 = 0.0;
  for (var b: u32 = 0u; b < ${B}u; b = b + 1u) { sum = sum + scratch[${layout.rowLossOffset}u + b]; }
  var loss = sum / ${divisor}.0;
  let l2 = recordFloat(s, 3u);
  if (l2 > 0.0) {
    var total: f32 = 0.0;
    for (var t: u32 = 0u; t < ${groupSize}u; t = t + 1u) { total = total + scratch[${partials}u + t]; }
    loss = loss + l2 * total;
  }
  losses[chunk[s * ${RECORD_WORDS}u + 4u]] = loss;
}`;
}
