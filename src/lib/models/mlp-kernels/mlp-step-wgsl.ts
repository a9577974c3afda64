// WGSL for one MLP training step (forward, loss, backward, optimizer update), generated from
// the layout so every size and offset is a constant. Every sum runs in a fixed order, with no
// atomics, so a run is deterministic. Small models run as one workgroup looping over many
// steps ('single'): a row's whole pass per invocation (mlp-step-rows.ts), one barrier, the
// updates, one barrier. Large ones run as a dispatch per phase ('phases'): the hidden layers'
// forward passes in tiles (mlp-step-tiles.ts), the head (last layer, loss, its deltas, a row
// per invocation), the deltas of the hidden layers below it, then every gradient and update
// and the batch's loss in one.
// The digits MLP (784-64-10) so runs 3 dispatches per step.
// Written for Tint and Naga alike: no extensions, explicit types, barriers in uniform control flow.
import { ADAM_BETA1, ADAM_BETA2, EPSILON, MOMENTUM, RMSPROP_DECAY } from '../../engine/optimizers.ts';
import type { Activation } from '../../engine/config.ts';
import { RECORD_WORDS, type MlpLayout } from './mlp-layout.ts';
import { READ_SETTINGS, SETTINGS_ARGS, SETTINGS_PARAMS } from './step-settings.ts';
import { canUnrollRows, headRowCode, UNROLL_LIMIT, unrolledRowsCode } from './mlp-step-rows.ts';
import { canTileForward, canTileUpdate, forwardThreads, forwardTileCode, inputAtCode, inputRowBase, updateThreads, updateTileCode } from './mlp-step-tiles.ts';

/**
 * Invocations per workgroup of the per-phase dispatches. A software GPU runs each workgroup
 * on one CPU thread, so smaller groups spread a dispatch over more cores: on SwiftShader the
 * digits step ran ~10% faster with 32 than with 64 (16 was no faster than 32).
 */
export const WORKGROUP_SIZE = 32;

/**
 * Invocations of the one-workgroup step ('single'), and the partial sums of its L2 term,
 * which 'phases' sums alike. SwiftShader runs a workgroup four invocations at a time and
 * switches between those fours at every barrier, so the same arithmetic costs less in fewer
 * invocations: the spiral step ran ~1.4× faster with 4 than with 64 (8 alike, 16 and 32 in
 * between). A hardware GPU would want more; the goals are measured on this software one.
 */
export const ONE_GROUP_SIZE = 4;

/** The float32 nearest to `x` as an exact WGSL expression. */
export function f32(x: number): string {
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

/** `fn activate(z)`: the hidden layers' activation. */
export const activateCode = (activation: Activation) => `fn activate(z: f32) -> f32 { return ${ACTIVATE[activation]}; }`;

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
  let mHat = m / oneMinusBeta1Power;
  let vHat = v / oneMinusBeta2Power;
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
 * The bindings every fused step shares, its helpers, the loss and the optimizer update.
 * `kernelRanges` are the [start, end) of every kernel that L2 decays.
 */
export function stepPreamble(layout: MlpLayout, maxChunk: number, kernelRanges: [number, number][]): string {
  const indexBase = maxChunk * RECORD_WORDS;
  return `struct DispatchInfo { first: u32, count: u32 }
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
fn example(s: u32, b: u32) -> u32 { return chunk[${indexBase}u + s * ${layout.batch}u + b]; }
${activateCode(layout.activation)}
fn slope(y: f32) -> f32 { return ${SLOPE[layout.activation]}; }

${lossCode(layout, ONE_GROUP_SIZE, kernelRanges)}

fn applyOptimizerWith(p: u32, g: f32, ${SETTINGS_PARAMS}) {
  let w = state[p];
  ${optimizerUpdate(layout)}
}

fn applyOptimizer(s: u32, p: u32, g: f32) {
  ${READ_SETTINGS}
  applyOptimizerWith(p, g, ${SETTINGS_ARGS});
}`;
}

/** Work for `count` invocations of one dispatch; `call` is WGSL run with `s` (the step) and `t` (0 to count - 1). */
export interface PhaseWork {
  count: number;
  call: string;
}

/**
 * A dispatch of `WORKGROUP_SIZE` invocations per workgroup that runs several works side by
 * side: invocation e runs the work whose range holds it. Returns its WGSL and its entry.
 */
export function phaseCode(name: string, works: PhaseWork[]): { code: string; entry: PhaseEntry } {
  let body = '';
  let start = 0;
  for (const [i, work] of works.entries()) {
    body += `${i > 0 ? ' else ' : ''}if (e < ${start + work.count}u) { let t = e - ${start}u; ${work.call} }`;
    start += work.count;
  }
  const code = `@compute @workgroup_size(${WORKGROUP_SIZE})
fn ${name}(@builtin(global_invocation_id) gid: vec3<u32>) {
  let s = dispatchInfo.first;
  let e = gid.x;
  ${body}
}`;
  return { code, entry: { entryPoint: name, workgroups: Math.ceil(start / WORKGROUP_SIZE) } };
}

/** The dense layers' functions and the works of their dispatches, for the per-phase mode. */
export interface DensePhases {
  code: string[];
  /** One dispatch each, in order: the hidden layers' forward passes. */
  forward: PhaseWork[];
  /**
   * The head dispatch: the last layer, each row's loss and the last hidden layer's deltas (a
   * row per invocation), and the L2 sum's partials, from the weights before the update.
   */
  head: PhaseWork[];
  /** One dispatch each, in order: the deltas of the hidden layers below the last. */
  backward: PhaseWork[];
  /** Every dense gradient and update, and the batch's loss; they share one dispatch with any other updates. */
  update: PhaseWork[];
}

/**
 * Every layer's inputAt function and the hidden layers' forward passes (an output, or a tile
 * of them, per invocation), with the works of their dispatches. `withMasks` false: a forward
 * pass without dropout, which binds no masks (see inputAtCode).
 */
export function denseForward(layout: MlpLayout, withMasks = true): { code: string[]; forward: PhaseWork[] } {
  const { sizes } = layout;
  const layers = sizes.length - 1;
  const code: string[] = [];
  for (let i = 0; i < layers; i++) code.push(inputAtCode(layout, i, withMasks));
  for (let i = 0; i < layers - 1; i++) {
    const [n, m] = [sizes[i], sizes[i + 1]];
    if (canTileForward(layout, i)) {
      code.push(forwardTileCode(layout, i, false));
      continue;
    }
    code.push(`fn forward${i}(s: u32, e: u32) {
  let dropout = usesDropout(s);
  let b = e / ${m}u;
  let j = e % ${m}u;
  let inputBase = ${inputRowBase(layout, i, 'b')};
  var sum: f32 = 0.0;
  for (var k: u32 = 0u; k < ${n}u; k = k + 1u) { sum = sum + inputAt${i}(s, inputBase, k, dropout) * state[${layout.kernelOffsets[i]}u + k * ${m}u + j]; }
  scratch[${layout.outputOffsets[i]}u + e] = activate(sum + state[${layout.biasOffsets[i]}u + j]);
}`);
  }
  const forward = Array.from({ length: layers - 1 }, (_, i) => ({
    count: forwardThreads(layout, i),
    call: canTileForward(layout, i) ? `forwardTile${i}(s, t);` : `forward${i}(s, t);`,
  }));
  return { code, forward };
}

/**
 * WGSL that adds `term` (which reads row `b`) over the batch into `sum`: rows in order, or
 * with `asSingle` in the one-workgroup step's order (rows t, t + G, … into a partial per
 * t, then the partials in order), so both modes compute the same bits and a run may move
 * from one to the other mid-way (see FusedUpgrade).
 */
function batchSum(B: number, asSingle: boolean, sum: string, term: string): string {
  if (!asSingle) return `for (var b: u32 = 0u; b < ${B}u; b = b + 1u) { ${sum} = ${sum} + ${term}; }`;
  return `for (var group: u32 = 0u; group < ${ONE_GROUP_SIZE}u; group = group + 1u) {
    var part: f32 = 0.0;
    for (var b: u32 = group; b < ${B}u; b = b + ${ONE_GROUP_SIZE}u) { part = part + ${term}; }
    ${sum} = ${sum} + part;
  }`;
}

/** `sumsAsSingle`: sum gradients over the batch in the one-workgroup step's order (batchSum). */
export function densePhases(layout: MlpLayout, sumsAsSingle = false): DensePhases {
  const { sizes, batch: B } = layout;
  const layers = sizes.length - 1;
  const { code, forward } = denseForward(layout);
  code.push(headRowCode(layout));
  for (let i = layers - 2; i >= 1; i--) {
    const [n, m] = [sizes[i], sizes[i + 1]];
    code.push(`fn backward${i}(s: u32, e: u32) {
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
    code.push(`fn update${i}(s: u32, t: u32, dropout: bool) {
  var sum: f32 = 0.0;
  if (t < ${n * m}u) {
    let k = t / ${m}u;
    let j = t % ${m}u;
    ${batchSum(B, sumsAsSingle, 'sum', `inputAt${i}(s, ${inputRowBase(layout, i, 'b')}, k, dropout) * scratch[${delta}u + b * ${m}u + j]`)}
    let p = ${layout.kernelOffsets[i]}u + t;
    let l2 = recordFloat(s, 3u);
    if (l2 > 0.0) { sum = sum + l2 * (2.0 * state[p]); }
    applyOptimizer(s, p, sum);
  } else {
    let j = t - ${n * m}u;
    ${batchSum(B, sumsAsSingle, 'sum', `scratch[${delta}u + b * ${m}u + j]`)}
    applyOptimizer(s, ${layout.biasOffsets[i]}u + j, sum);
  }
}`);
  }
  for (let i = 0; i < layers; i++) if (canTileUpdate(layout, i)) code.push(updateTileCode(layout, i, sumsAsSingle ? ONE_GROUP_SIZE : 1));
  const backward: PhaseWork[] = [];
  for (let i = layers - 2; i >= 1; i--) backward.push({ count: B * sizes[i], call: `backward${i}(s, t);` });
  const update = Array.from({ length: layers }, (_, i) =>
    canTileUpdate(layout, i) ? { count: updateThreads(layout, i), call: `updateTile${i}(s, t);` } : { count: sizes[i] * sizes[i + 1] + sizes[i + 1], call: `update${i}(s, t, usesDropout(s));` },
  );
  // The rows run side by side over the cores; the batch's loss is summed in the update
  // dispatch, after every row's loss is written. (In one workgroup, the head took a sixth of
  // the digits step on SwiftShader, with one core idle.)
  const head = [
    { count: B, call: 'headRow(s, t, usesDropout(s));' },
    { count: ONE_GROUP_SIZE, call: 'sumSquares(s, t);' },
  ];
  update.push({ count: 1, call: 'finishLoss(s);' });
  return { code, forward, head, backward, update };
}

/** [start, end) of each kernel of the layout, which L2 decays. */
export const denseKernelRanges = (layout: MlpLayout): [number, number][] => layout.kernelOffsets.map((k, i) => [k, layout.biasOffsets[i]]);

/**
 * `maxChunk` is the most steps one chunk buffer holds (records, then batch indices).
 * 'single' runs every step of a chunk in one workgroup; 'phases' runs one dispatch per phase.
 */
export function mlpStepShader(layout: MlpLayout, maxChunk: number, mode: 'single' | 'phases'): MlpStepShader {
  const parts = [stepPreamble(layout, maxChunk, denseKernelRanges(layout))];
  // Scratch: the layout's, one partial sum of squares per invocation, then ('single') each invocation's partial gradients.
  const partialsOffset = layout.scratchSize + ONE_GROUP_SIZE;
  if (mode === 'single') {
    if (!canUnrollRows(layout)) throw new Error(`The one-workgroup fused step covers networks of at most ${UNROLL_LIMIT} weights (inputs × outputs over the layers); this one has more, so run it per phase.`);
    parts.push(unrolledRowsCode(layout, ONE_GROUP_SIZE, partialsOffset));
    return { code: parts.join('\n\n'), entries: [{ entryPoint: 'trainSteps', workgroups: 1 }], scratchWords: partialsOffset + ONE_GROUP_SIZE * layout.paramCount };
  }
  // A network that also has a one-workgroup step sums as that step does, so a run can start on
  // this quickly compiled one and move to the faster one once it is compiled.
  const dense = densePhases(layout, canUnrollRows(layout));
  parts.push(...dense.code);
  const entries: PhaseEntry[] = [];
  const dispatch = (name: string, works: PhaseWork[]) => {
    const { code, entry } = phaseCode(name, works);
    parts.push(code);
    entries.push(entry);
  };
  dense.forward.forEach((work, i) => dispatch(`forwardPhase${i}`, [work]));
  dispatch('headPhase', dense.head);
  dense.backward.forEach((work, i) => dispatch(`backwardPhase${i}`, [work]));
  dispatch('updatePhase', dense.update);
  return { code: parts.join('\n\n'), entries, scratchWords: partialsOffset };
}

/**
 * `lossRow`: one row's loss and the last layer's delta. `sumSquares`: this invocation's share
 * of the L2 sum, from the weights before the update. `finishLoss` (one invocation, after a
 * barrier or in a later dispatch): the batch loss plus L2, into the ring. The partial sums
 * live in scratch, not in workgroup memory, so that one storageBarrier orders them with
 * everything else, and a later dispatch can read them.
 */
function lossCode(layout: MlpLayout, groupSize: number, kernelRanges: [number, number][]): string {
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
  for (const [start, end] of kernelRanges) {
    squares += `    for (var p: u32 = ${start}u + tid; p < ${end}u; p = p + ${groupSize}u) { squares = squares + state[p] * state[p]; }\n`;
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
