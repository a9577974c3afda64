// WGSL for the fused CNN's forward pass without dropout over held-out examples: its
// evaluation. It is generated from a forward-only layout (cnnLayout(…, forwardOnly)), whose
// params sit where the training step keeps them, so it reads the step's state buffer. The
// conv blocks and the hidden dense layers run the training step's own code (cnn-step-wgsl.ts,
// mlp-step-wgsl.ts); a row per invocation then runs the last layer and the row's loss. One
// batch of examples is a dispatch per block and per layer, 4 for the digits CNN. In that code
// `s` is the batch's index, and example b of batch s is row s · batch + b of the held-out set.
import type { PhaseEntry, PhaseWork } from '../mlp-kernels/mlp-step-wgsl.ts';
import { activateCode, denseForward, phaseCode } from '../mlp-kernels/mlp-step-wgsl.ts';
import { forwardRowCode } from '../mlp-kernels/mlp-step-rows.ts';
import type { CnnLayout } from './cnn-layout.ts';
import { convForwardCode } from './cnn-step-wgsl.ts';

export interface CnnForwardShader {
  code: string;
  /** Entry points in the order one batch runs them. */
  entries: PhaseEntry[];
  scratchWords: number;
}

/**
 * `results` holds, for every row of every batch, the network's outputs ([rows, outputs]), then
 * each row's loss ([rows]): softmax cross-entropy against one-hot targets, or for regression
 * the row's sum of squared errors. The mean is taken on the CPU, over the rows that are examples.
 */
function rowCode(layout: CnnLayout, rows: number): string {
  const { dense, batch: B } = layout;
  const last = dense.sizes.length - 2;
  const outputs = dense.sizes[last + 1];
  const out = `${dense.outputOffsets[last]}u + b * ${outputs}u`;
  const loss =
    dense.loss === 'softmaxCrossEntropy'
      ? `var maxZ: f32 = scratch[out];
  for (var j: u32 = 1u; j < ${outputs}u; j = j + 1u) { maxZ = max(maxZ, scratch[out + j]); }
  var sumExp: f32 = 0.0;
  for (var j: u32 = 0u; j < ${outputs}u; j = j + 1u) { sumExp = sumExp + exp(scratch[out + j] - maxZ); }
  let logSumExp = maxZ + log(sumExp);
  var rowLoss: f32 = 0.0;
  for (var j: u32 = 0u; j < ${outputs}u; j = j + 1u) { rowLoss = rowLoss + dataY[row * ${outputs}u + j] * (logSumExp - scratch[out + j]); }`
      : `var rowLoss: f32 = 0.0;
  for (var j: u32 = 0u; j < ${outputs}u; j = j + 1u) {
    let diff = scratch[out + j] - dataY[row * ${outputs}u + j];
    rowLoss = rowLoss + diff * diff;
  }`;
  return `fn evaluateRow(s: u32, b: u32) {
  forwardRow${last}(s, b, false);
  let row = s * ${B}u + b;
  let out = ${out};
  for (var j: u32 = 0u; j < ${outputs}u; j = j + 1u) { results[row * ${outputs}u + j] = scratch[out + j]; }
  ${loss}
  results[${rows * outputs}u + row] = rowLoss;
}`;
}

/** The evaluation of `batches` batches of `layout.batch` rows (the last one padded with zeros). */
export function cnnForwardShader(layout: CnnLayout, batches: number): CnnForwardShader {
  const { blocks, dense, batch: B } = layout;
  const parts = [
    `struct DispatchInfo { first: u32, count: u32 }
@group(0) @binding(0) var<uniform> dispatchInfo: DispatchInfo;
@group(0) @binding(1) var<storage, read> dataX: array<f32>;
@group(0) @binding(2) var<storage, read> dataY: array<f32>;
@group(0) @binding(3) var<storage, read> state: array<f32>;
@group(0) @binding(4) var<storage, read_write> scratch: array<f32>;
@group(0) @binding(5) var<storage, read_write> results: array<f32>;

fn example(s: u32, b: u32) -> u32 { return s * ${B}u + b; }
fn usesDropout(s: u32) -> bool { return false; }
${activateCode(dense.activation)}`,
  ];
  const entries: PhaseEntry[] = [];
  const dispatch = (name: string, work: PhaseWork) => {
    const { code, entry } = phaseCode(name, [work]);
    parts.push(code);
    entries.push(entry);
  };
  const denseParts = denseForward(dense, false);
  parts.push(...blocks.map((_, i) => convForwardCode(layout, i)), ...denseParts.code, forwardRowCode(dense, dense.sizes.length - 2), rowCode(layout, batches * B));
  blocks.forEach((block, i) => dispatch(`convForwardPhase${i}`, { count: B * block.pooledHeight * block.pooledWidth, call: `convForward${i}(s, t);` }));
  denseParts.forward.forEach((work, i) => dispatch(`forwardPhase${i}`, work));
  dispatch('evaluateRowsPhase', { count: B, call: 'evaluateRow(s, t);' });
  return { code: parts.join('\n\n'), entries, scratchWords: layout.dense.scratchSize };
}
