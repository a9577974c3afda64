import type { Activation, TrainConfig } from '../engine/config.ts';
import type { Dataset } from '../datasets/types.ts';

/** A dense network: input → hidden layers → output logits (or one value for regression). */
export interface MlpSpec {
  kind: 'mlp';
  inputShape: number[];
  hidden: number[];
  activation: Activation;
  outputs: number;
}

/** Two conv(3×3, same) + relu + 2×2 max-pool blocks, then dense layers: a small LeNet. */
export interface CnnSpec {
  kind: 'cnn';
  inputShape: number[];
  filters: number[];
  kernelSize: number;
  hidden: number[];
  activation: Activation;
  outputs: number;
}

export type ModelSpec = MlpSpec | CnnSpec;

/** Name and shape of one trainable tensor; names are stable across sessions and files. */
export interface ParamSpec {
  name: string;
  shape: number[];
  /** Kernels are initialised randomly and decayed by L2; biases start at zero. */
  role: 'kernel' | 'bias';
}

export const CNN_FILTERS = [8, 16];
export const CNN_KERNEL_SIZE = 3;

export function modelSpecFor(config: TrainConfig, dataset: Pick<Dataset, 'inputShape' | 'classes'>): ModelSpec {
  const outputs = dataset.classes === 0 ? 1 : dataset.classes;
  const common = { inputShape: [...dataset.inputShape], hidden: [...config.hidden], activation: config.activation, outputs };
  return config.model === 'cnn'
    ? { kind: 'cnn', ...common, filters: [...CNN_FILTERS], kernelSize: CNN_KERNEL_SIZE }
    : { kind: 'mlp', ...common };
}

const product = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

function denseParams(inputSize: number, hidden: number[], outputs: number): ParamSpec[] {
  const sizes = [inputSize, ...hidden, outputs];
  return sizes.slice(1).flatMap((units, i) => [
    { name: `dense${i}/kernel`, shape: [sizes[i], units], role: 'kernel' as const },
    { name: `dense${i}/bias`, shape: [units], role: 'bias' as const },
  ]);
}

/** The ordered parameter table; the order is the layout of weights in checkpoints and exports. */
export function paramSpecs(spec: ModelSpec): ParamSpec[] {
  if (spec.kind === 'mlp') return denseParams(product(spec.inputShape), spec.hidden, spec.outputs);
  const [height, width, channels] = spec.inputShape;
  let inChannels = channels;
  const convs = spec.filters.flatMap((filters, i) => {
    const params: ParamSpec[] = [
      { name: `conv${i}/kernel`, shape: [spec.kernelSize, spec.kernelSize, inChannels, filters], role: 'kernel' },
      { name: `conv${i}/bias`, shape: [filters], role: 'bias' },
    ];
    inChannels = filters;
    return params;
  });
  // Each block halves the image (2×2 pooling, floor), as Keras MaxPooling2D does.
  const shrink = 2 ** spec.filters.length;
  const flat = Math.floor(height / shrink) * Math.floor(width / shrink) * inChannels;
  return [...convs, ...denseParams(flat, spec.hidden, spec.outputs)];
}

export function paramCount(spec: ModelSpec): number {
  return paramSpecs(spec).reduce((sum, p) => sum + product(p.shape), 0);
}
