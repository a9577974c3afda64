// WGSL for one MLP training step (forward, loss, backward, optimizer update), generated from
// the layout so every size and offset is a constant. Each piece of work is an element
// function (one output, one delta, one parameter's gradient and update) whose sums run in a
// fixed order, with no atomics, so a run is deterministic. Small models run as one workgroup
// looping over many steps ('single'); large ones as one dispatch per phase ('phases'), where
// mlp-step-tiles.ts computes 4×4 tiles with each sum in the same order.
// Written for Tint and Naga alike: no extensions, explicit types, barriers in uniform control flow.
import { ADAM_BETA1, ADAM_BETA2, EPSILON, MOMENTUM, RMSPROP_DECAY } from '../../engine/optimizers.ts';
import type { Activation } from '../../engine/config.ts';
import { RECORD_WORDS, type MlpLayout } from './mlp-layout.ts';
import { canTileForward, canTileUpdate, forwardThreads, forwardTileCode, inputAtCode, updateThreads, updateTileCode } from './mlp-step-tiles.ts';

/** Threads per workgroup in both modes. */
export const WORKGROUP_SIZE = 64;

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
  single: PhaseEntry;
  phases: PhaseEntry[];
}

/**
 * `maxChunk` is the most steps one chunk buffer holds (records, then batch indices).
 */
export function mlpStepShader(layout: MlpLayout, maxChunk: number): MlpStepShader {
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
var<workgroup> partials: array<f32, ${W}>;

fn recordFloat(s: u32, word: u32) -> f32 { return bitcast<f32>(chunk[s * ${RECORD_WORDS}u + word]); }
fn usesDropout(s: u32) -> bool { return chunk[s * ${RECORD_WORDS}u + 5u] != 0u; }
fn example(s: u32, b: u32) -> u32 { return chunk[${indexBase}u + s * ${B}u + b]; }
fn activate(z: f32) -> f32 { return ${ACTIVATE[layout.activation]}; }
fn slope(y: f32) -> f32 { return ${SLOPE[layout.activation]}; }
`);
  // Layer i's input at (row b, column k): data for the first layer, else the previous
  // layer's output times its dropout mask.
  for (let i = 0; i < layers; i++) {
    const n = sizes[i];
    const body =
      i === 0
        ? `return dataX[example(s, b) * ${n}u + k];`
        : `let h = scratch[${layout.outputOffsets[i - 1]}u + b * ${n}u + k];
  if (usesDropout(s)) { return h * masks[s * ${layout.maskSizePerStep}u + ${layout.maskOffsets[i - 1]}u + b * ${n}u + k]; }
  return h;`;
    parts.push(`fn input${i}(s: u32, b: u32, k: u32) -> f32 {
  ${body}
}`);
  }
  for (let i = 0; i < layers; i++) {
    parts.push(inputAtCode(layout, i));
    if (canTileForward(layout, i)) parts.push(forwardTileCode(layout, i, i === layers - 1));
  }
  for (let i = 0; i < layers; i++) {
    const [n, m] = [sizes[i], sizes[i + 1]];
    const last = i === layers - 1;
    parts.push(`fn forward${i}(s: u32, e: u32) {
  let b = e / ${m}u;
  let j = e % ${m}u;
  var sum: f32 = 0.0;
  for (var k: u32 = 0u; k < ${n}u; k = k + 1u) { sum = sum + input${i}(s, b, k) * state[${layout.kernelOffsets[i]}u + k * ${m}u + j]; }
  let z = sum + state[${layout.biasOffsets[i]}u + j];
  scratch[${layout.outputOffsets[i]}u + e] = ${last ? 'z' : 'activate(z)'};
}`);
  }
  parts.push(lossCode(layout));
  for (let i = layers - 1; i >= 1; i--) {
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
  parts.push(`fn applyOptimizer(s: u32, p: u32, g: f32) {
  let lr = recordFloat(s, 0u);
  let w = state[p];
  ${optimizerUpdate(layout)}
}`);
  for (let i = 0; i < layers; i++) {
    const [n, m] = [sizes[i], sizes[i + 1]];
    const delta = layout.deltaOffsets[i];
    parts.push(`fn update${i}(s: u32, t: u32) {
  var sum: f32 = 0.0;
  if (t < ${n * m}u) {
    let k = t / ${m}u;
    let j = t % ${m}u;
    for (var b: u32 = 0u; b < ${B}u; b = b + 1u) { sum = sum + input${i}(s, b, k) * scratch[${delta}u + b * ${m}u + j]; }
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
  const forwardCounts = sizes.slice(1).map((m) => B * m);
  const backwardCounts = sizes.slice(1, -1).map((n) => B * n);
  const updateCounts = sizes.slice(0, -1).map((n, i) => n * sizes[i + 1] + sizes[i + 1]);
  const stridedLoop = (count: number, call: string) => `    for (var e: u32 = tid; e < ${count}u; e = e + ${W}u) { ${call}; }\n`;
  let singleBody = '';
  for (let i = 0; i < layers; i++) singleBody += stridedLoop(forwardCounts[i], `forward${i}(s, e)`) + '    storageBarrier();\n';
  singleBody += '    lossPhase(s, tid);\n    storageBarrier();\n';
  for (let i = layers - 1; i >= 1; i--) singleBody += stridedLoop(backwardCounts[i - 1], `backward${i}(s, e)`) + '    storageBarrier();\n';
  for (let i = 0; i < layers; i++) singleBody += stridedLoop(updateCounts[i], `update${i}(s, e)`);
  singleBody += '    storageBarrier();\n';
  parts.push(`@compute @workgroup_size(${W})
fn trainSteps(@builtin(local_invocation_index) tid: u32) {
  let first = dispatchInfo.first;
  let end = first + dispatchInfo.count;
  for (var s: u32 = first; s < end; s = s + 1u) {
${singleBody}  }
}`);
  // One dispatch per phase; each thread does one element.
  const phases: PhaseEntry[] = [];
  const phase = (name: string, count: number, call: string) => {
    parts.push(`@compute @workgroup_size(${W})
fn ${name}(@builtin(global_invocation_id) gid: vec3<u32>) {
  let s = dispatchInfo.first;
  let e = gid.x;
  if (e < ${count}u) { ${call} }
}`);
    phases.push({ entryPoint: name, workgroups: Math.ceil(count / W) });
  };
  for (let i = 0; i < layers; i++) {
    const call = canTileForward(layout, i) ? `forwardTile${i}(s, e);` : `forward${i}(s, e);`;
    phase(`forwardPhase${i}`, forwardThreads(layout, i), call);
  }
  parts.push(`@compute @workgroup_size(${W})
fn lossEntry(@builtin(local_invocation_index) tid: u32) {
  lossPhase(dispatchInfo.first, tid);
}`);
  phases.push({ entryPoint: 'lossEntry', workgroups: 1 });
  for (let i = layers - 1; i >= 1; i--) phase(`backwardPhase${i}`, backwardCounts[i - 1], `backward${i}(s, e);`);
  let dispatchUpdate = '';
  let start = 0;
  for (let i = 0; i < layers; i++) {
    const [fn, count] = canTileUpdate(layout, i) ? [`updateTile${i}`, updateThreads(layout, i)] : [`update${i}`, updateCounts[i]];
    dispatchUpdate += `${i > 0 ? ' else ' : ''}if (e < ${start + count}u) { ${fn}(s, e - ${start}u); }`;
    start += count;
  }
  phase('updatePhase', start, dispatchUpdate);
  return { code: parts.join('\n\n'), single: { entryPoint: 'trainSteps', workgroups: 1 }, phases };
}

/** Per-row loss and the last layer's delta, then (one workgroup) the batch loss plus L2 into the ring. */
function lossCode(layout: MlpLayout): string {
  const { sizes, batch: B } = layout;
  const layers = sizes.length - 1;
  const outputs = sizes[layers];
  const out = layout.outputOffsets[layers - 1];
  const delta = layout.deltaOffsets[layers - 1];
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
    squares += `    for (var p: u32 = ${layout.kernelOffsets[i]}u + tid; p < ${layout.biasOffsets[i]}u; p = p + ${WORKGROUP_SIZE}u) { squares = squares + state[p] * state[p]; }\n`;
  }
  const divisor = layout.loss === 'softmaxCrossEntropy' ? B : B * outputs;
  return `fn lossRow(s: u32, b: u32) {
  let row = b * ${outputs}u;
  let targetAt = example(s, b) * ${outputs}u;
  ${row}
  scratch[${layout.rowLossOffset}u + b] = rowLoss;
}

fn lossPhase(s: u32, tid: u32) {
  for (var b: u32 = tid; b < ${B}u; b = b + ${WORKGROUP_SIZE}u) { lossRow(s, b); }
  let l2 = recordFloat(s, 3u);
  var squares: f32 = 0.0;
  if (l2 > 0.0) {
${squares}  }
  partials[tid] = squares;
  storageBarrier();
  workgroupBarrier();
  if (tid == 0u) {
    var sum: f32 = 0.0;
    for (var b: u32 = 0u; b < ${B}u; b = b + 1u) { sum = sum + scratch[${layout.rowLossOffset}u + b]; }
    var loss = sum / ${divisor}.0;
    if (l2 > 0.0) {
      var total: f32 = 0.0;
      for (var t: u32 = 0u; t < ${WORKGROUP_SIZE}u; t = t + 1u) { total = total + partials[t]; }
      loss = loss + l2 * total;
    }
    losses[chunk[s * ${RECORD_WORDS}u + 4u]] = loss;
  }
}`;
}
