import type { OptimizerKind } from '../../engine/config.ts';
import type { CnnSpec } from '../spec.ts';
import { mlpLayout, SLOT_COUNTS, type MlpLayout } from '../mlp-kernels/mlp-layout.ts';
import { ONE_GROUP_SIZE } from '../mlp-kernels/mlp-step-wgsl.ts';
import type { StatePacking } from '../mlp-kernels/fused-optimizer-state.ts';

/**
 * Where everything of one fused CNN step lives in the flat buffers the WGSL kernel and the
 * runtime share. Block i is conv (kernelSize², 'same') + bias + relu + 2×2 max-pool (valid,
 * stride 2); its input is the training data (block 0) or block i - 1's pooled outputs, and the
 * dense layers (an MLP layout placed after the blocks) read the last block's. Images are
 * [height, width, channels] row-major, as tfjs's NHWC tensors.
 */
export interface ConvBlockLayout {
  /** The block's input image: [height, width, channels]. */
  height: number;
  width: number;
  channels: number;
  filters: number;
  /** The pooled output: [pooledHeight, pooledWidth, filters]. */
  pooledHeight: number;
  pooledWidth: number;
  /** The kernel ([k, k, channels, filters], as tf.conv2d's) and right after it the bias, in the params. */
  kernelOffset: number;
  biasOffset: number;
  /** Scratch, each [batch, pooledHeight, pooledWidth, filters]: the pooled relu outputs... */
  pooledOffset: number;
  /**
   * ...which of its 2×2 window each maximum came from (dy * 2 + dx, as a float)... These and
   * the two below are -1 in a forward-only layout, whose scratch holds the pooled outputs alone.
   */
  argmaxOffset: number;
  /** ...and the loss's gradient with respect to the conv output at that maximum (0 where relu cut it). */
  deltaOffset: number;
  /** Filter and bias gradients summed over each chunk of the batch: [chunks, kernel size + filters]. */
  partialsOffset: number;
}

export interface CnnLayout {
  batch: number;
  optimizer: OptimizerKind;
  kernelSize: number;
  /** 'same' padding above and left of the image: the odd one out goes below and right, as in tfjs. */
  padBefore: number;
  blocks: ConvBlockLayout[];
  /** Examples per chunk in the filter gradients' first stage; gradientChunks = ceil(batch / chunk). */
  gradientChunk: number;
  gradientChunks: number;
  /** The dense layers, placed after the blocks' params and scratch; its paramCount is the whole model's. */
  dense: MlpLayout;
  /** Scratch words: the blocks', the dense layers', then the L2 partial sums of the head's invocations. */
  scratchWords: number;
}

/** Examples per chunk of a filter gradient's first stage: small enough to spread a block's filters over a few hundred invocations. */
const GRADIENT_CHUNK = 1;

/** Why the fused CNN step cannot train this spec, or null. */
export function cnnKernelsMissing(spec: CnnSpec): string | null {
  if (spec.filters.some((f) => f % 4 !== 0)) return 'the fused CNN kernels need filter counts that are multiples of 4';
  if (spec.kernelSize % 2 !== 1) return 'the fused CNN kernels need an odd kernel size';
  return null;
}

/**
 * `forwardOnly`: the layout of a forward pass without gradients (the evaluation): the same
 * params, and scratch for the pooled outputs and the dense layers' alone.
 */
export function cnnLayout(spec: CnnSpec, optimizer: OptimizerKind, batch: number, forwardOnly = false): CnnLayout {
  const [height0, width0, channels0] = spec.inputShape;
  const k = spec.kernelSize;
  let [height, width, channels] = [height0, width0, channels0];
  let p = 0;
  let s = 0;
  const chunks = Math.ceil(batch / GRADIENT_CHUNK);
  const blocks = spec.filters.map((filters): ConvBlockLayout => {
    const pooledHeight = Math.floor(height / 2);
    const pooledWidth = Math.floor(width / 2);
    const kernelSize = k * k * channels * filters;
    const pooledSize = batch * pooledHeight * pooledWidth * filters;
    const block = {
      height,
      width,
      channels,
      filters,
      pooledHeight,
      pooledWidth,
      kernelOffset: p,
      biasOffset: p + kernelSize,
      pooledOffset: s,
      argmaxOffset: forwardOnly ? -1 : s + pooledSize,
      deltaOffset: forwardOnly ? -1 : s + 2 * pooledSize,
      partialsOffset: forwardOnly ? -1 : s + 3 * pooledSize,
    };
    p += kernelSize + filters;
    s += forwardOnly ? pooledSize : 3 * pooledSize + chunks * (kernelSize + filters);
    [height, width, channels] = [pooledHeight, pooledWidth, filters];
    return block;
  });
  const last = blocks[blocks.length - 1];
  const flat = height * width * channels;
  const denseSpec = { kind: 'mlp' as const, inputShape: [flat], hidden: spec.hidden, activation: spec.activation, outputs: spec.outputs };
  const dense = mlpLayout(denseSpec, optimizer, batch, { paramBase: p, scratchBase: s, inputOffset: last.pooledOffset });
  return {
    batch,
    optimizer,
    kernelSize: k,
    padBefore: Math.floor((k - 1) / 2),
    blocks,
    gradientChunk: GRADIENT_CHUNK,
    gradientChunks: chunks,
    dense,
    scratchWords: dense.scratchSize + ONE_GROUP_SIZE,
  };
}

/** Params and optimizer slots in the state buffer, in paramSpecs order: each block's kernel and bias, then the dense layers'. */
export function cnnPacking(layout: CnnLayout): StatePacking {
  const { dense } = layout;
  const ranges: [number, number][] = layout.blocks.flatMap((b): [number, number][] => [
    [b.kernelOffset, b.biasOffset],
    [b.biasOffset, b.biasOffset + b.filters],
  ]);
  dense.kernelOffsets.forEach((kernel, i) => ranges.push([kernel, dense.biasOffsets[i]], [dense.biasOffsets[i], dense.biasOffsets[i] + dense.sizes[i + 1]]));
  return { optimizer: layout.optimizer, paramCount: dense.paramCount, slotCount: SLOT_COUNTS[layout.optimizer], ranges };
}

/** Params of block i (kernel then bias), which its filter gradients' partial sums mirror. */
export const blockParamCount = (layout: CnnLayout, block: ConvBlockLayout) => layout.kernelSize ** 2 * block.channels * block.filters + block.filters;
