// A batch row's pass by one invocation. A row needs only its own values and the weights
// (which nothing writes until the update), so its layers need no barrier between them.
// The one-workgroup mode runs every row's whole pass this way, written out in full, and
// has two barriers per step; the per-phase mode runs the last layer and the loss this way.
import type { MlpLayout } from './mlp-layout.ts';
import { READ_SETTINGS, SETTINGS_ARGS } from './step-settings.ts';
import { inputRowBase, range } from './mlp-step-tiles.ts';

/**
 * Most outputs a row function keeps in registers. Up to this many, a row loads each input (or
 * delta) once for all its outputs rather than once per output, which halves its loads; every
 * sum still runs over the same index in the same order, so the bits are the same.
 */
const ROW_REGISTERS = 16;

/** Layer i's forward pass for one row: its outputs (activated, except the last layer's) into scratch. */
export function forwardRowCode(layout: MlpLayout, i: number): string {
  const [n, m] = [layout.sizes[i], layout.sizes[i + 1]];
  const last = i === layout.sizes.length - 2;
  const inputBase = inputRowBase(layout, i, 'b');
  const output = (z: string) => (last ? z : `activate(${z})`);
  if (m <= ROW_REGISTERS) {
    return `fn forwardRow${i}(s: u32, b: u32, dropout: bool) {
  let inputBase = ${inputBase};
  let outputBase = ${layout.outputOffsets[i]}u + b * ${m}u;
${range(m)
  .map((j) => `  var sum${j}: f32 = 0.0;`)
  .join('\n')}
  for (var k: u32 = 0u; k < ${n}u; k = k + 1u) {
    let x = inputAt${i}(s, inputBase, k, dropout);
    let wAt = ${layout.kernelOffsets[i]}u + k * ${m}u;
${range(m)
  .map((j) => `    sum${j} = sum${j} + x * state[wAt + ${j}u];`)
  .join('\n')}
  }
${range(m)
  .map((j) => `  scratch[outputBase + ${j}u] = ${output(`sum${j} + state[${layout.biasOffsets[i] + j}u]`)};`)
  .join('\n')}
}`;
  }
  return `fn forwardRow${i}(s: u32, b: u32, dropout: bool) {
  let inputBase = ${inputBase};
  let outputBase = ${layout.outputOffsets[i]}u + b * ${m}u;
  for (var j: u32 = 0u; j < ${m}u; j = j + 1u) {
    var sum: f32 = 0.0;
    for (var k: u32 = 0u; k < ${n}u; k = k + 1u) { sum = sum + inputAt${i}(s, inputBase, k, dropout) * state[${layout.kernelOffsets[i]}u + k * ${m}u + j]; }
    let z = sum + state[${layout.biasOffsets[i]}u + j];
    scratch[outputBase + j] = ${output('z')};
  }
}`;
}

/** Layer i's backward pass for one row: the deltas of layer i - 1's outputs, from layer i's. */
function backwardRowCode(layout: MlpLayout, i: number): string {
  const [n, m] = [layout.sizes[i], layout.sizes[i + 1]];
  const weight = (j: string) => `state[${layout.kernelOffsets[i]}u + k * ${m}u + ${j}]`;
  const hoisted = m <= ROW_REGISTERS;
  const sum = hoisted
    ? range(m)
        .map((j) => `sum = sum + delta${j} * ${weight(`${j}u`)};`)
        .join(' ')
    : `for (var j: u32 = 0u; j < ${m}u; j = j + 1u) { sum = sum + scratch[deltaBase + j] * ${weight('j')}; }`;
  return `fn backwardRow${i}(s: u32, b: u32, dropout: bool) {
  let deltaBase = ${layout.deltaOffsets[i]}u + b * ${m}u;
${hoisted ? range(m).map((j) => `  let delta${j} = scratch[deltaBase + ${j}u];`).join('\n') : ''}
  for (var k: u32 = 0u; k < ${n}u; k = k + 1u) {
    var sum: f32 = 0.0;
    ${sum}
    let e = b * ${n}u + k;
    if (dropout) { sum = sum * masks[s * ${layout.maskSizePerStep}u + ${layout.maskOffsets[i - 1]}u + e]; }
    scratch[${layout.deltaOffsets[i - 1]}u + e] = sum * slope(scratch[${layout.outputOffsets[i - 1]}u + e]);
  }
}`;
}

/**
 * `fn headRow(s, b, dropout)`: the last layer's forward pass for row b, the row's loss, then
 * (when there is a hidden layer) the deltas of the last hidden layer's outputs. The
 * per-phase mode runs it after its tiled hidden layers.
 */
export function headRowCode(layout: MlpLayout): string {
  const last = layout.sizes.length - 2;
  const parts = [forwardRowCode(layout, last)];
  const calls = [`forwardRow${last}(s, b, dropout);`, 'lossRow(s, b);'];
  if (last >= 1) {
    parts.push(backwardRowCode(layout, last));
    calls.push(`backwardRow${last}(s, b, dropout);`);
  }
  parts.push(`fn headRow(s: u32, b: u32, dropout: bool) {
  ${calls.join('\n  ')}
}`);
  return parts.join('\n\n');
}

/** Most weights (Σ inputs × outputs over the layers) of a network whose one-workgroup step is written out in full. */
export const UNROLL_LIMIT = 1024;

export const canUnrollRows = (layout: MlpLayout) => layout.sizes.slice(1).reduce((n, m, i) => n + layout.sizes[i] * m, 0) <= UNROLL_LIMIT;

/**
 * The one-workgroup step for small networks, written out in full. Invocation `tid` takes rows
 * tid, tid + G, …: their whole forward and backward pass, with every weight read at a
 * constant index (one load for all invocations, where a computed index costs one each) and
 * the row's values in registers, and it adds each row's share of every parameter's gradient
 * to its own sums. It stores those G partial gradients; after one barrier,
 * `gradientOf(p)` adds them in invocation order. So a weight's gradient is summed over the
 * batch in a fixed order (rows by invocation, then invocations), the same on every run.
 * A mask of 1.0 stands for no dropout, which leaves every value unchanged. Against the
 * element-per-invocation update this made the spiral step ~2.3× faster on SwiftShader:
 * that update loaded two values per multiply-add, this one none.
 */
export function unrolledRowsCode(layout: MlpLayout, groupSize: number, partialsOffset: number): string {
  const { sizes, kernelOffsets, biasOffsets, outputOffsets, deltaOffsets, maskOffsets, paramCount: P } = layout;
  const layers = sizes.length - 1;
  const lines: string[] = [`let inputBase = example(s, b) * ${sizes[0]}u;`];
  const accumulate: string[] = [];
  for (let i = 0; i < layers; i++) {
    const [n, m] = [sizes[i], sizes[i + 1]];
    const last = i === layers - 1;
    for (let k = 0; k < n; k++) lines.push(i === 0 ? `let in0_${k} = dataX[inputBase + ${k}u];` : `let in${i}_${k} = out${i - 1}_${k} * mask${i - 1}_${k};`);
    for (let j = 0; j < m; j++) {
      const terms = Array.from({ length: n }, (_, k) => `in${i}_${k} * w${kernelOffsets[i] + k * m + j}`);
      const z = `${terms.join(' + ')} + w${biasOffsets[i] + j}`;
      lines.push(`let out${i}_${j} = ${last ? z : `activate(${z})`};`);
      if (last) lines.push(`scratch[${outputOffsets[i]}u + b * ${m}u + ${j}u] = out${i}_${j};`);
      else lines.push(`let mask${i}_${j} = select(1.0, masks[s * ${layout.maskSizePerStep}u + ${maskOffsets[i]}u + b * ${m}u + ${j}u], dropout);`);
    }
    for (let k = 0; k < n; k++) for (let j = 0; j < m; j++) accumulate.push(`grad${kernelOffsets[i] + k * m + j} = grad${kernelOffsets[i] + k * m + j} + in${i}_${k} * delta${i}_${j};`);
    for (let j = 0; j < m; j++) accumulate.push(`grad${biasOffsets[i] + j} = grad${biasOffsets[i] + j} + delta${i}_${j};`);
  }
  lines.push('lossRow(s, b);');
  for (let j = 0; j < sizes[layers]; j++) lines.push(`let delta${layers - 1}_${j} = scratch[${deltaOffsets[layers - 1]}u + b * ${sizes[layers]}u + ${j}u];`);
  for (let i = layers - 1; i >= 1; i--) {
    const [n, m] = [sizes[i], sizes[i + 1]];
    for (let k = 0; k < n; k++) {
      const terms = Array.from({ length: m }, (_, j) => `delta${i}_${j} * w${kernelOffsets[i] + k * m + j}`);
      lines.push(`let delta${i - 1}_${k} = ((${terms.join(' + ')}) * mask${i - 1}_${k}) * slope(out${i - 1}_${k});`);
    }
  }
  const sums = Array.from({ length: P }, (_, p) => `var grad${p}: f32 = 0.0;`);
  // Every weight read once per step, not once per row: nothing writes the params until the
  // update, but the compiler cannot know that the storage buffers do not alias, so it reloaded
  // each (with its bounds check) for every row. Hoisted, the spiral step ran 2.2x faster on
  // SwiftShader, with the same bits.
  const weights = Array.from({ length: P }, (_, p) => `let w${p} = state[${p}u];`);
  const stores = Array.from({ length: P }, (_, p) => `scratch[${partialsOffset}u + tid * ${P}u + ${p}u] = grad${p};`);
  const isKernel = kernelOffsets.map((k, i) => `(p >= ${k}u && p < ${biasOffsets[i]}u)`).join(' || ');
  return `fn rowsPass(s: u32, tid: u32, dropout: bool) {
  ${weights.join('\n  ')}
  ${sums.join('\n  ')}
  for (var b: u32 = tid; b < ${layout.batch}u; b = b + ${groupSize}u) {
    ${[...lines, ...accumulate].join('\n    ')}
  }
  ${stores.join('\n  ')}
}

fn gradientOf(p: u32) -> f32 {
  var sum: f32 = 0.0;
  for (var t: u32 = 0u; t < ${groupSize}u; t = t + 1u) { sum = sum + scratch[${partialsOffset}u + t * ${P}u + p]; }
  return sum;
}

@compute @workgroup_size(${groupSize})
fn trainSteps(@builtin(local_invocation_index) tid: u32) {
  let first = dispatchInfo.first;
  let end = first + dispatchInfo.count;
  for (var s: u32 = first; s < end; s = s + 1u) {
    rowsPass(s, tid, usesDropout(s));
    sumSquares(s, tid);
    storageBarrier();
    if (tid == 0u) { finishLoss(s); }
    let l2 = recordFloat(s, 3u);
    ${READ_SETTINGS}
    for (var p: u32 = tid; p < ${P}u; p = p + ${groupSize}u) {
      var g = gradientOf(p);
      if (l2 > 0.0 && (${isKernel})) { g = g + l2 * (2.0 * state[p]); }
      applyOptimizerWith(p, g, ${SETTINGS_ARGS});
    }
    storageBarrier();
  }
}`;
}
