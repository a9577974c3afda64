import * as tf from '@tensorflow/tfjs';
import type { NamedTensor } from '../../engine/optimizers.ts';
import type { TextParamSpec } from './gpt-spec.ts';

/**
 * AdamW as PyTorch's torch.optim.AdamW computes it (the optimizer nanoGPT uses), with its
 * state held in plain tensors we own, so a checkpoint captures and restores it exactly.
 * tfjs's own Adam keeps beta powers in variables that get/setWeights do not round-trip.
 */
export interface AdamWConfig {
  /** Decay of the first moment (mean of gradients). */
  beta1: number;
  /** Decay of the second moment (mean of squared gradients). */
  beta2: number;
  /** Added to the root of the second moment, so tiny moments do not blow the step up. */
  epsilon: number;
  /** Decoupled weight decay per unit learning rate, on parameters whose spec says `decay`. */
  weightDecay: number;
}

/** nanoGPT's character-level settings (config/train_shakespeare_char.py); epsilon is PyTorch's. */
export const DEFAULT_ADAMW: AdamWConfig = { beta1: 0.9, beta2: 0.99, epsilon: 1e-8, weightDecay: 0.1 };

export interface AdamWState {
  /** Updates applied so far; the bias correction of the next update uses step + 1. */
  step: number;
  /** First moments, one per parameter, in the parameter table's order. */
  m: tf.Variable[];
  /** Second moments, likewise. */
  v: tf.Variable[];
}

/** Zero moments at step 0 for every parameter in `table`. */
export function createAdamWState(table: readonly TextParamSpec[]): AdamWState {
  // tidy disposes the zeros a variable was made from; the variables themselves are kept.
  const zeros = () => table.map((p) => tf.tidy(() => tf.variable(tf.zeros(p.shape), false)));
  return { step: 0, m: zeros(), v: zeros() };
}

export function disposeAdamWState(state: AdamWState): void {
  for (const t of [...state.m, ...state.v]) t.dispose();
}

/**
 * One AdamW update of every parameter in place, then step + 1. The order follows PyTorch:
 * decay the weight by (1 − lr·weightDecay) first, then move the moments and take the step
 * lr/(1 − β1ᵗ) · m / (√v / √(1 − β2ᵗ) + ε). Bias corrections are computed in float64 in JS.
 */
export function applyAdamW(
  params: readonly tf.Variable[],
  grads: readonly tf.Tensor[],
  state: AdamWState,
  table: readonly TextParamSpec[],
  learningRate: number,
  config: AdamWConfig,
): void {
  if (params.length !== table.length || grads.length !== table.length || state.m.length !== table.length) {
    throw new Error(`AdamW expects ${table.length} parameters, gradients and moments, but got ${params.length}, ${grads.length} and ${state.m.length}.`);
  }
  const t = state.step + 1;
  const stepSize = learningRate / (1 - config.beta1 ** t);
  const correction2Root = Math.sqrt(1 - config.beta2 ** t);
  table.forEach((spec, i) => {
    tf.tidy(() => {
      const grad = grads[i];
      const param = spec.decay && config.weightDecay > 0 ? params[i].mul(1 - learningRate * config.weightDecay) : params[i];
      const m = state.m[i].mul(config.beta1).add(grad.mul(1 - config.beta1));
      const v = state.v[i].mul(config.beta2).add(grad.square().mul(1 - config.beta2));
      const denominator = v.sqrt().div(correction2Root).add(config.epsilon);
      state.m[i].assign(m);
      state.v[i].assign(v);
      params[i].assign(param.sub(m.div(denominator).mul(stepSize)));
    });
  });
  state.step = t;
}

/** The checkpoint names of the state: optimizer/m/<param>, optimizer/v/<param>, optimizer/step. */
export const adamWNames = {
  m: (param: string) => `optimizer/m/${param}`,
  v: (param: string) => `optimizer/v/${param}`,
  step: 'optimizer/step',
};

/** Fresh copies of the whole state (the caller disposes them); the step is an int32 scalar. */
export function captureAdamWState(state: AdamWState, table: readonly TextParamSpec[]): NamedTensor[] {
  return [
    ...table.map((p, i) => ({ name: adamWNames.m(p.name), tensor: state.m[i].clone() })),
    ...table.map((p, i) => ({ name: adamWNames.v(p.name), tensor: state.v[i].clone() })),
    { name: adamWNames.step, tensor: tf.scalar(state.step, 'int32') },
  ];
}

/** AdamW's state as plain values, for a path that keeps it outside tfjs (the fused GPT step). */
export interface AdamWValues {
  step: number;
  m: Float32Array[];
  v: Float32Array[];
}

/**
 * The captured state's moment and step tensors, each checked against the parameter table
 * before anything is made from them, so a bad file leaks nothing.
 */
function checkedAdamWTensors(table: readonly TextParamSpec[], tensors: readonly NamedTensor[]): { m: tf.Tensor[]; v: tf.Tensor[]; step: tf.Tensor } {
  const byName = new Map(tensors.map((t) => [t.name, t.tensor]));
  const take = (name: string, shape: number[]) => {
    const tensor = byName.get(name);
    if (!tensor) throw new Error(`The checkpoint has no ${name}, so the optimizer cannot resume exactly; start a new run.`);
    if (!tf.util.arraysEqual(tensor.shape, shape)) {
      throw new Error(`The checkpoint's ${name} has shape [${tensor.shape}], but the model needs [${shape}].`);
    }
    return tensor;
  };
  return { m: table.map((p) => take(adamWNames.m(p.name), p.shape)), v: table.map((p) => take(adamWNames.v(p.name), p.shape)), step: take(adamWNames.step, []) };
}

/** The captured state's values, each checked against the parameter table first. */
export async function readAdamWValues(table: readonly TextParamSpec[], tensors: readonly NamedTensor[]): Promise<AdamWValues> {
  const sources = checkedAdamWTensors(table, tensors);
  const read = (t: tf.Tensor) => t.data().then((d) => Float32Array.from(d));
  const [m, v, step] = await Promise.all([Promise.all(sources.m.map(read)), Promise.all(sources.v.map(read)), sources.step.data()]);
  return { step: step[0], m, v };
}

/** A state of variables holding `values`. */
export function adamWStateFromValues(table: readonly TextParamSpec[], values: AdamWValues): AdamWState {
  const variables = (parts: Float32Array[]) => table.map((p, i) => tf.tidy(() => tf.variable(tf.tensor(parts[i], p.shape, 'float32'), false)));
  return { step: values.step, m: variables(values.m), v: variables(values.v) };
}

/**
 * A new state holding copies of the captured tensors (which stay the caller's). Reading the
 * step is the only download, hence async; moments are copied on the device.
 */
export async function restoreAdamWState(table: readonly TextParamSpec[], tensors: readonly NamedTensor[]): Promise<AdamWState> {
  const sources = checkedAdamWTensors(table, tensors);
  const step = (await sources.step.data())[0];
  const copy = (source: tf.Tensor) => tf.tidy(() => tf.variable(source.toFloat(), false));
  return { step, m: sources.m.map(copy), v: sources.v.map(copy) };
}
