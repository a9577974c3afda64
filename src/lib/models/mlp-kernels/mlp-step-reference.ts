// The fused MLP training step in plain TypeScript: the same computation, in the same order,
// on the same flat buffers as the WGSL kernel (mlp-step-wgsl.ts). It is the trusted side of
// the kernel's tests and is itself checked against tfjs's ops (test/unit/mlp-step-reference.test.ts).
// Every stored intermediate is a Float32Array element, so values round to float32 where the
// GPU's do; sums run in doubles, a difference far below the tests' tolerances.
import { ADAM_BETA1, ADAM_BETA2, EPSILON, MOMENTUM, RMSPROP_DECAY } from '../../engine/optimizers.ts';
import type { Activation } from '../../engine/config.ts';
import type { MlpLayout, StepRecord } from './mlp-layout.ts';

const f = Math.fround;

/** One step's inputs besides the state: the batch's rows and targets, masks and record. */
export interface ReferenceBatch {
  /** [batch, sizes[0]] */
  x: Float32Array;
  /** [batch, outputs]: one-hot rows or regression targets. */
  y: Float32Array;
  /** [maskSizePerStep], ignored unless record.dropout. */
  masks: Float32Array;
  record: StepRecord;
}

export function activate(activation: Activation, z: number): number {
  switch (activation) {
    case 'relu':
      return Math.max(z, 0);
    case 'tanh': {
      // tfjs's WebGPU tanh, stable for large |z|; the WGSL uses the same formula.
      const e = f(Math.exp(f(-2 * Math.abs(z))));
      return f((Math.sign(z) * f(1 - e)) / f(1 + e));
    }
    case 'sigmoid':
      return f(1 / f(1 + f(Math.exp(-z))));
    case 'linear':
      return z;
  }
}

/** The activation's derivative from its output y, as tfjs's gradients compute it. */
export function activationSlope(activation: Activation, y: number): number {
  switch (activation) {
    case 'relu':
      return y > 0 ? 1 : 0;
    case 'tanh':
      return f(1 - f(y * y));
    case 'sigmoid':
      return f(y * f(1 - y));
    case 'linear':
      return 1;
  }
}

/**
 * Forward, loss and backward pass: returns the loss and fills `grads` (length paramCount) and
 * `scratch` (layout.scratchSize). Reads only the params part of `state`.
 */
export function referenceGradients(layout: MlpLayout, state: Float32Array, batch: ReferenceBatch, grads: Float32Array, scratch: Float32Array): number {
  const { sizes, batch: rows, activation } = layout;
  const layers = sizes.length - 1;
  const dropout = batch.record.dropout;
  const input = (i: number, b: number, k: number) => {
    if (i === 0) return batch.x[b * sizes[0] + k];
    const h = scratch[layout.outputOffsets[i - 1] + b * sizes[i] + k];
    return dropout ? f(h * batch.masks[layout.maskOffsets[i - 1] + b * sizes[i] + k]) : h;
  };
  // 1. forward: z = input · kernel + bias, then the activation (none on the last layer)
  for (let i = 0; i < layers; i++) {
    const [n, m] = [sizes[i], sizes[i + 1]];
    for (let b = 0; b < rows; b++)
      for (let j = 0; j < m; j++) {
        let sum = 0;
        for (let k = 0; k < n; k++) sum = f(sum + f(input(i, b, k) * state[layout.kernelOffsets[i] + k * m + j]));
        const z = f(sum + state[layout.biasOffsets[i] + j]);
        scratch[layout.outputOffsets[i] + b * m + j] = i === layers - 1 ? z : activate(activation, z);
      }
  }
  // 2. loss and its gradient with respect to the last layer's outputs
  const outputs = sizes[layers];
  const out = layout.outputOffsets[layers - 1];
  const delta = layout.deltaOffsets[layers - 1];
  for (let b = 0; b < rows; b++) {
    const row = b * outputs;
    let rowLoss = 0;
    if (layout.loss === 'softmaxCrossEntropy') {
      let max = -Infinity;
      for (let j = 0; j < outputs; j++) max = Math.max(max, scratch[out + row + j]);
      let sumExp = 0;
      for (let j = 0; j < outputs; j++) sumExp = f(sumExp + f(Math.exp(f(scratch[out + row + j] - max))));
      const logSumExp = f(max + f(Math.log(sumExp)));
      for (let j = 0; j < outputs; j++) {
        const z = scratch[out + row + j];
        const y = batch.y[row + j];
        rowLoss = f(rowLoss + f(y * f(logSumExp - z)));
        scratch[delta + row + j] = f(f(f(Math.exp(f(z - max))) / sumExp) - y) / rows;
      }
    } else {
      for (let j = 0; j < outputs; j++) {
        const diff = f(scratch[out + row + j] - batch.y[row + j]);
        rowLoss = f(rowLoss + f(diff * diff));
        scratch[delta + row + j] = f(f(2 * diff) / (rows * outputs));
      }
    }
    scratch[layout.rowLossOffset + b] = rowLoss;
  }
  let lossSum = 0;
  for (let b = 0; b < rows; b++) lossSum = f(lossSum + scratch[layout.rowLossOffset + b]);
  let loss = f(lossSum / (layout.loss === 'softmaxCrossEntropy' ? rows : rows * outputs));
  const l2 = batch.record.l2;
  if (l2 > 0) {
    let squares = 0;
    for (let i = 0; i < layers; i++)
      for (let p = layout.kernelOffsets[i]; p < layout.biasOffsets[i]; p++) squares = f(squares + f(state[p] * state[p]));
    loss = f(loss + f(l2 * squares));
  }
  // 3. backward: deltas of each hidden layer's pre-activation, from the layer above
  for (let i = layers - 1; i >= 1; i--) {
    const [n, m] = [sizes[i], sizes[i + 1]];
    for (let b = 0; b < rows; b++)
      for (let k = 0; k < n; k++) {
        let sum = 0;
        for (let j = 0; j < m; j++) sum = f(sum + f(scratch[layout.deltaOffsets[i] + b * m + j] * state[layout.kernelOffsets[i] + k * m + j]));
        const at = b * n + k;
        if (dropout) sum = f(sum * batch.masks[layout.maskOffsets[i - 1] + at]);
        scratch[layout.deltaOffsets[i - 1] + at] = f(sum * activationSlope(activation, scratch[layout.outputOffsets[i - 1] + at]));
      }
  }
  // 4. gradients: kernel = inputᵀ · delta (+ L2's 2·l2·w), bias = column sums of delta
  for (let i = 0; i < layers; i++) {
    const [n, m] = [sizes[i], sizes[i + 1]];
    for (let k = 0; k < n; k++)
      for (let j = 0; j < m; j++) {
        let sum = 0;
        for (let b = 0; b < rows; b++) sum = f(sum + f(input(i, b, k) * scratch[layout.deltaOffsets[i] + b * m + j]));
        const p = layout.kernelOffsets[i] + k * m + j;
        grads[p] = l2 > 0 ? f(sum + f(l2 * f(2 * state[p]))) : sum;
      }
    for (let j = 0; j < m; j++) {
      let sum = 0;
      for (let b = 0; b < rows; b++) sum = f(sum + scratch[layout.deltaOffsets[i] + b * m + j]);
      grads[layout.biasOffsets[i] + j] = sum;
    }
  }
  return loss;
}

/** Applies one optimizer update to every parameter, as tfjs's optimizer of that kind does. */
export function referenceUpdate(layout: MlpLayout, state: Float32Array, grads: Float32Array, record: StepRecord): void {
  const P = layout.paramCount;
  const lr = f(record.learningRate);
  for (let p = 0; p < P; p++) {
    const g = grads[p];
    const w = state[p];
    switch (layout.optimizer) {
      case 'sgd':
        state[p] = f(f(-lr * g) + w);
        break;
      case 'momentum': {
        const acc = f(f(f(MOMENTUM) * state[P + p]) + g);
        state[P + p] = acc;
        state[p] = f(f(-lr * acc) + w);
        break;
      }
      case 'adam': {
        const m = f(f(state[P + p] * f(ADAM_BETA1)) + f(g * f(1 - ADAM_BETA1)));
        const v = f(f(state[2 * P + p] * f(ADAM_BETA2)) + f(f(g * g) * f(1 - ADAM_BETA2)));
        state[P + p] = m;
        state[2 * P + p] = v;
        const mHat = f(m / record.oneMinusBeta1Power);
        const vHat = f(v / record.oneMinusBeta2Power);
        state[p] = f(f(f(mHat / f(f(Math.sqrt(vHat)) + f(EPSILON))) * -lr) + w);
        break;
      }
      case 'rmsprop': {
        const ms = f(f(state[P + p] * f(RMSPROP_DECAY)) + f(f(g * g) * f(1 - RMSPROP_DECAY)));
        // tfjs: moment = moment * momentum (0 here) + g * lr / sqrt(ms + epsilon); w -= moment.
        const mom = f(f(state[2 * P + p] * 0) + f(f(g * lr) / f(Math.sqrt(f(ms + f(EPSILON))))));
        state[P + p] = ms;
        state[2 * P + p] = mom;
        state[p] = f(w - mom);
        break;
      }
    }
  }
}

/** One whole training step on the reference; returns the loss (before the update). */
export function referenceStep(layout: MlpLayout, state: Float32Array, batch: ReferenceBatch, scratch = new Float32Array(layout.scratchSize)): number {
  const grads = new Float32Array(layout.paramCount);
  const loss = referenceGradients(layout, state, batch, grads, scratch);
  referenceUpdate(layout, state, grads, batch.record);
  return loss;
}
