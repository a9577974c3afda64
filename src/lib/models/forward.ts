import * as tf from '@tensorflow/tfjs';
import type { Activation } from '../engine/config.ts';
import type { ModelSpec } from './spec.ts';

const ACTIVATION_FUNCTIONS: Record<Activation, (x: tf.Tensor) => tf.Tensor> = {
  relu: (x) => tf.relu(x),
  tanh: (x) => tf.tanh(x),
  sigmoid: (x) => tf.sigmoid(x),
  linear: (x) => x,
};

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
  const activate = ACTIVATION_FUNCTIONS[spec.activation];
  let next = 0;
  const take = () => params[next++];
  let x: tf.Tensor = input;

  if (spec.kind === 'cnn') {
    x = x.reshape([-1, ...spec.inputShape]);
    for (let i = 0; i < spec.filters.length; i++) {
      const kernel = take() as tf.Tensor4D;
      const bias = take();
      x = tf.relu(tf.add(tf.conv2d(x as tf.Tensor4D, kernel, 1, 'same'), bias));
      x = tf.maxPool(x as tf.Tensor4D, 2, 2, 'valid');
    }
  }
  x = x.reshape([x.shape[0], -1]);

  for (let i = 0; i < spec.hidden.length; i++) {
    x = activate(tf.add(tf.matMul(x as tf.Tensor2D, take() as tf.Tensor2D), take()));
    if (options.dropout && options.dropout > 0) {
      x = tf.dropout(x, options.dropout, undefined, (options.dropoutSeed ?? 0) + i);
    }
  }
  return tf.add(tf.matMul(x as tf.Tensor2D, take() as tf.Tensor2D), take());
}

/** Class probabilities, or the regression output unchanged. */
export function predictOutputs(spec: ModelSpec, params: readonly tf.Tensor[], input: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const out = forward(spec, params, input);
    return spec.outputs > 1 ? tf.softmax(out) : out;
  });
}
