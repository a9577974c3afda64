import type { Activation, OptimizerKind } from '../../engine/config.ts';
import type { MlpSpec } from '../spec.ts';

/**
 * Where everything of one fused MLP step lives in the flat buffers that the WGSL kernel, its
 * CPU reference and the runtime share. Layer i maps sizes[i] inputs to sizes[i + 1] outputs.
 */
export interface MlpLayout {
  sizes: number[];
  activation: Activation;
  optimizer: OptimizerKind;
  /** 'softmaxCrossEntropy' when outputs are class logits, 'meanSquaredError' for regression. */
  loss: 'softmaxCrossEntropy' | 'meanSquaredError';
  batch: number;
  /** Offsets of each layer's kernel ([in, out], row-major) and bias in the packed params. */
  kernelOffsets: number[];
  biasOffsets: number[];
  /** Total parameter count P; optimizer slot k of parameter p lives at (k + 1) * P + p. */
  paramCount: number;
  /** Optimizer slots per parameter: sgd 0, momentum 1, adam 2 (m, v), rmsprop 2 (ms, mom). */
  slotCount: number;
  /** Scratch: layer i's outputs (post-activation, before dropout) and its deltas, [batch, sizes[i + 1]]. */
  outputOffsets: number[];
  deltaOffsets: number[];
  /** Per-example loss terms, [batch]. */
  rowLossOffset: number;
  scratchSize: number;
  /** Dropout multipliers of hidden layer i at maskOffsets[i] within one step's masks, [batch, sizes[i + 1]]. */
  maskOffsets: number[];
  maskSizePerStep: number;
  /**
   * Where layer 0's input rows ([batch, sizes[0]]) live in scratch when they are not the
   * training data: the CNN's dense layers read the last pooling layer's outputs.
   */
  inputOffset?: number;
}

/** Where the dense layers sit when other layers come before them (the CNN's convolutions). */
export interface DenseLayoutPlacement {
  /** Params before the first dense kernel; paramCount counts them too. */
  paramBase: number;
  /** Scratch words before the dense layers' scratch; scratchSize counts them too. */
  scratchBase: number;
  /** See MlpLayout.inputOffset. */
  inputOffset: number;
}

export const SLOT_COUNTS: Record<OptimizerKind, number> = { sgd: 0, momentum: 1, adam: 2, rmsprop: 2 };

/** u32 words per step record in the chunk buffer; see StepRecord. */
export const RECORD_WORDS = 8;

/** What changes from one step to the next; everything else is baked into the kernel. */
export interface StepRecord {
  learningRate: number;
  /** Adam's 1 - beta1^t and 1 - beta2^t as tfjs computes them (float32); 1 for others. */
  oneMinusBeta1Power: number;
  oneMinusBeta2Power: number;
  l2: number;
  /** Where this step's loss goes in the loss ring. */
  lossSlot: number;
  /** Whether this step's masks are applied (dropout > 0). */
  dropout: boolean;
}

export function mlpLayout(spec: MlpSpec, optimizer: OptimizerKind, batch: number, placement?: DenseLayoutPlacement): MlpLayout {
  const inputSize = spec.inputShape.reduce((a, b) => a * b, 1);
  const sizes = [inputSize, ...spec.hidden, spec.outputs];
  const layers = sizes.length - 1;
  const kernelOffsets: number[] = [];
  const biasOffsets: number[] = [];
  let p = placement?.paramBase ?? 0;
  for (let i = 0; i < layers; i++) {
    kernelOffsets.push(p);
    p += sizes[i] * sizes[i + 1];
    biasOffsets.push(p);
    p += sizes[i + 1];
  }
  const outputOffsets: number[] = [];
  const deltaOffsets: number[] = [];
  let s = placement?.scratchBase ?? 0;
  for (let i = 0; i < layers; i++) {
    outputOffsets.push(s);
    s += batch * sizes[i + 1];
    deltaOffsets.push(s);
    s += batch * sizes[i + 1];
  }
  const rowLossOffset = s;
  s += batch;
  const maskOffsets: number[] = [];
  let m = 0;
  for (let i = 0; i < layers - 1; i++) {
    maskOffsets.push(m);
    m += batch * sizes[i + 1];
  }
  return {
    sizes,
    activation: spec.activation,
    optimizer,
    loss: spec.outputs > 1 ? 'softmaxCrossEntropy' : 'meanSquaredError',
    batch,
    kernelOffsets,
    biasOffsets,
    paramCount: p,
    slotCount: SLOT_COUNTS[optimizer],
    outputOffsets,
    deltaOffsets,
    rowLossOffset,
    scratchSize: s,
    maskOffsets,
    maskSizePerStep: m,
    ...(placement && { inputOffset: placement.inputOffset }),
  };
}

/** Multiply-adds of one step (forward, input deltas, weight gradients): decides one workgroup or many. */
export function stepWork(layout: MlpLayout): number {
  let macs = 0;
  for (let i = 0; i + 1 < layout.sizes.length; i++) macs += layout.sizes[i] * layout.sizes[i + 1];
  return 3 * layout.batch * macs;
}

/** Writes step records into the chunk buffer's words (float fields as their float32 bits). */
export function writeRecord(words: Uint32Array, floats: Float32Array, index: number, record: StepRecord): void {
  const at = index * RECORD_WORDS;
  floats[at] = record.learningRate;
  floats[at + 1] = record.oneMinusBeta1Power;
  floats[at + 2] = record.oneMinusBeta2Power;
  floats[at + 3] = record.l2;
  words[at + 4] = record.lossSlot;
  words[at + 5] = record.dropout ? 1 : 0;
}
