import * as tf from '@tensorflow/tfjs';
import { applyAdamW, type AdamWConfig, type AdamWState } from './adamw.ts';
import { clipByGlobalNorm } from './clip.ts';
import { crossEntropyLoss, textForward } from './gpt-forward.ts';
import { initialTextValues, textParamSpecs, type TextModelSpec } from './gpt-spec.ts';
import { warmupCosineRate, type WarmupCosineConfig } from './warmup-cosine.ts';

/** Everything a text training step needs besides the tensors. */
export interface TextTrainConfig {
  spec: TextModelSpec;
  /** The run's seed; each step's dropout masks derive from (seed, step). */
  seed: number;
  schedule: WarmupCosineConfig;
  adamw: AdamWConfig;
  /** Cap on the gradients' global norm (nanoGPT's grad_clip, 1.0); 0 disables clipping. */
  gradClip: number;
}

/** A batch of windows: inputs[b, t] is followed by targets[b, t] in the text. Both int32 [batch, T]. */
export interface TextBatch {
  inputs: tf.Tensor2D;
  targets: tf.Tensor2D;
}

/** The trainable variables of `spec` in textParamSpecs order, with seeded nanoGPT initial values. */
export function createTextParams(spec: TextModelSpec, seed: number): tf.Variable[] {
  const values = initialTextValues(spec, seed);
  return textParamSpecs(spec).map((p, i) => tf.tidy(() => tf.variable(tf.tensor(values[i], p.shape, 'float32'), true)));
}

/**
 * One dropout seed per step, mixed from (seed, step) the same way the Trainer's dropoutSeedAt
 * does; kept here so this library does not import the whole MLP trainer.
 */
export const textDropoutSeed = (seed: number, step: number) => (Math.imul(seed + 1, 0x9e3779b1) ^ Math.imul(step + 1, 0x85ebca6b)) >>> 0;

/**
 * One training step, as nanoGPT's loop does it:
 *  1. the learning rate for this step from the warm-up/cosine schedule;
 *  2. the loss and its gradients, with this step's dropout masks;
 *  3. the gradients clipped to the global norm;
 *  4. an AdamW update of `params` in place, and optimizerState.step + 1.
 * Returns the mean cross-entropy (nats) before the update as a tensor the caller owns and may
 * read later, so the step never waits for a download. Every other tensor is disposed.
 */
export function trainStep(params: readonly tf.Variable[], optimizerState: AdamWState, batch: TextBatch, config: TextTrainConfig): tf.Scalar {
  const { spec } = config;
  const table = textParamSpecs(spec);
  const learningRate = warmupCosineRate(optimizerState.step, config.schedule);
  const forwardOptions = {
    dropout: spec.kind === 'gpt' ? spec.dropout : 0,
    dropoutSeed: textDropoutSeed(config.seed, optimizerState.step),
  };
  return tf.tidy(() => {
    const { value, grads } = tf.variableGrads(
      () => crossEntropyLoss(textForward(spec, params, batch.inputs, forwardOptions), batch.targets),
      params as tf.Variable[],
    );
    const ordered = params.map((p) => grads[p.name]);
    const clipped = config.gradClip > 0 ? clipByGlobalNorm(ordered, config.gradClip).grads : ordered;
    applyAdamW(params, clipped, optimizerState, table, learningRate, config.adamw);
    return value;
  });
}
