import * as tf from '@tensorflow/tfjs';
import type { OptimizerKind } from './config.ts';

/** Hyperparameters that are not user-facing; fixed so checkpoints stay comparable. */
export const MOMENTUM = 0.9;
export const ADAM_BETA1 = 0.9;
export const ADAM_BETA2 = 0.999;
export const EPSILON = 1e-7;
export const RMSPROP_DECAY = 0.9;

export function createOptimizer(kind: OptimizerKind, learningRate: number): tf.Optimizer {
  switch (kind) {
    case 'sgd':
      return tf.train.sgd(learningRate);
    case 'momentum':
      return tf.train.momentum(learningRate, MOMENTUM);
    case 'adam':
      return tf.train.adam(learningRate, ADAM_BETA1, ADAM_BETA2, EPSILON);
    case 'rmsprop':
      return tf.train.rmsprop(learningRate, RMSPROP_DECAY, 0, EPSILON);
  }
}

/**
 * Sets the rate used by the next applyGradients. SGD and momentum cache -lr in a scalar
 * (setLearningRate refreshes it); Adam and RMSProp read the public-in-JS `learningRate` field.
 */
export function setLearningRate(optimizer: tf.Optimizer, learningRate: number): void {
  if (optimizer instanceof tf.SGDOptimizer && isClass(optimizer, 'SGD', 'Momentum')) optimizer.setLearningRate(learningRate);
  else (optimizer as unknown as { learningRate: number }).learningRate = learningRate;
}

/**
 * tfjs gives Optimizer a Symbol.hasInstance that accepts any optimizer, so `instanceof`
 * cannot tell them apart; the registered class name can.
 */
function isClass(optimizer: tf.Optimizer, ...names: string[]): boolean {
  return names.includes(optimizer.getClassName());
}

/** Adam keeps beta^t in two variables that tfjs's get/setWeights do not round-trip exactly. */
interface AdamInternals {
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
}

export interface NamedTensor {
  name: string;
  tensor: tf.Tensor;
}

/**
 * Clones every piece of optimizer state: the iteration count, every slot, and Adam's beta
 * powers. Everything returned is a fresh tensor the caller must dispose. Slot names are
 * replaced by `optimizer/<index>` because tfjs names them after volatile variable ids.
 */
export async function cloneOptimizerState(optimizer: tf.Optimizer): Promise<NamedTensor[]> {
  // getWeights awaits only an already-resolved promise, so no training step can interleave.
  const weights = await optimizer.getWeights();
  const state = weights.map((w, i) => ({
    name: i === 0 ? 'optimizer/iterations' : `optimizer/slot${i - 1}`,
    tensor: i === 0 ? w.tensor : w.tensor.clone(),
  }));
  if (isClass(optimizer, 'Adam')) {
    const adam = optimizer as unknown as AdamInternals;
    state.push({ name: 'optimizer/adamBeta1Power', tensor: adam.accBeta1.clone() });
    state.push({ name: 'optimizer/adamBeta2Power', tensor: adam.accBeta2.clone() });
  }
  return state;
}

/** Restores state produced by cloneOptimizerState into a fresh optimizer of the same kind. */
export async function restoreOptimizerState(optimizer: tf.Optimizer, state: NamedTensor[]): Promise<void> {
  const byName = new Map(state.map((s) => [s.name, s.tensor]));
  const iterations = byName.get('optimizer/iterations');
  if (!iterations) throw new Error('The checkpoint has no optimizer iteration count; it cannot be resumed exactly.');
  const slots = state.filter((s) => s.name.startsWith('optimizer/slot'));
  slots.sort((a, b) => Number(a.name.slice(14)) - Number(b.name.slice(14)));
  // tfjs matches slots to variables by position; names are informational.
  await optimizer.setWeights([{ name: 'iter', tensor: iterations }, ...slots.map((s) => ({ name: s.name, tensor: s.tensor }))]);
  if (isClass(optimizer, 'Adam')) {
    const adam = optimizer as unknown as AdamInternals;
    const beta1 = byName.get('optimizer/adamBeta1Power');
    const beta2 = byName.get('optimizer/adamBeta2Power');
    if (beta1 && beta2) {
      adam.accBeta1.assign(beta1);
      adam.accBeta2.assign(beta2);
    }
  }
}
