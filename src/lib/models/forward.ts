import * as tf from '@tensorflow/tfjs';
import type { Activation } from '../engine/config.ts';
import { convRelu } from './conv-layer.ts';
import type { ModelSpec } from './spec.ts';

/**
 * What tfjs's fused kernels (matMul/conv2d + bias + activation in one op) can apply
 * themselves. This saves kernel launches only where no gradient is recorded (evaluation,
 * pictures, predictions): while training, tfjs-core's `shouldFuse` (ops/fused_util) turns
 * fusion off for any activation but linear, and the op runs as matMul, add and relu.
 * Layers' Dense and Conv2D go through the same ops, so `fit` pays what we pay.
 */
const FUSED_ACTIVATIONS: Partial<Record<Activation, tf.fused.Activation>> = { relu: 'relu', linear: 'linear' };

const UNFUSED_ACTIVATIONS: Record<Activation, (x: tf.Tensor) => tf.Tensor> = {
  relu: (x) => tf.relu(x),
  tanh: (x) => tf.tanh(x),
  sigmoid: (x) => tf.sigmoid(x),
  linear: (x) => x,
};

/** x · kernel + bias, then the activation, in as few kernels as tfjs allows. */
function dense(x: tf.Tensor2D, kernel: tf.Tensor2D, bias: tf.Tensor, activation: Activation): tf.Tensor2D {
  const fused = FUSED_ACTIVATIONS[activation];
  if (fused) return tf.fused.matMul({ a: x, b: kernel, bias, activation: fused }) as tf.Tensor2D;
  return UNFUSED_ACTIVATIONS[activation](tf.fused.matMul({ a: x, b: kernel, bias })) as tf.Tensor2D;
}

export interface ForwardOptions {
  /** Dropout rate after each hidden dense layer; 0 or undefined disables it. */
  dropout?: number;
  /**
   * Seed of this call's dropout masks. The trainer derives it from (run seed, step), so masks
   * are reproducible and a resumed run draws the same masks without storing RNG state.
   */
  dropoutSeed?: number;
}

/**
 * Runs the network on a batch and returns logits (classification) or predictions
 * (regression). `params` is in paramSpecs() order. Call inside tf.tidy.
 */
export function forward(spec: ModelSpec, params: readonly tf.Tensor[], input: tf.Tensor, options: ForwardOptions = {}): tf.Tensor {
  let next = 0;
  const take = () => params[next++];
  let x: tf.Tensor = input;

  if (spec.kind === 'cnn') {
    x = x.reshape([-1, ...spec.inputShape]);
    for (let i = 0; i < spec.filters.length; i++) {
      const kernel = take() as tf.Tensor4D;
      const bias = take();
      x = convRelu(x as tf.Tensor4D, kernel, bias, i === 0);
      x = tf.maxPool(x as tf.Tensor4D, 2, 2, 'valid');
    }
  }
  x = x.reshape([x.shape[0], -1]);

  for (let i = 0; i < spec.hidden.length; i++) {
    x = dense(x as tf.Tensor2D, take() as tf.Tensor2D, take(), spec.activation);
    if (options.dropout && options.dropout > 0) {
      x = tf.dropout(x, options.dropout, undefined, (options.dropoutSeed ?? 0) + i);
    }
  }
  return dense(x as tf.Tensor2D, take() as tf.Tensor2D, take(), 'linear');
}

/** Class probabilities, or the regression output unchanged. */
export function predictOutputs(spec: ModelSpec, params: readonly tf.Tensor[], input: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const out = forward(spec, params, input);
    return spec.outputs > 1 ? tf.softmax(out) : out;
  });
}
