// The fused step keeps params and optimizer slots packed in one buffer. Checkpoints hold them
// in tfjs's layout (optimizers.ts: cloneOptimizerState), so that a run saved on either path
// resumes on the other: `optimizer/iterations`, then `optimizer/slot<i>` in the order tfjs's
// getWeights lists them (every param's first slot, then every param's second), then Adam's
// beta powers. tfjs creates its slots on the first update, so before it there are none.
import * as tf from '@tensorflow/tfjs';
import { ADAM_BETA1, ADAM_BETA2, type NamedTensor } from '../../engine/optimizers.ts';
import type { OptimizerKind } from '../../engine/config.ts';
import type { MlpLayout } from './mlp-layout.ts';

export interface PackedOptimizerState {
  iterations: number;
  /** [slotCount * paramCount], slot-major as in the fused state buffer after the params. */
  slots: Float32Array;
  beta1Power: number;
  beta2Power: number;
}

/** Where the params and optimizer slots sit in a fused step's state buffer. */
export interface StatePacking {
  optimizer: OptimizerKind;
  /** P: optimizer slot k of parameter p lives at (k + 1) * P + p. */
  paramCount: number;
  slotCount: number;
  /** [start, end) of each param (paramSpecs order) in the packed params. */
  ranges: [number, number][];
}

export function mlpPacking(layout: MlpLayout): StatePacking {
  const ranges = layout.kernelOffsets.flatMap((k, i): [number, number][] => [
    [k, layout.biasOffsets[i]],
    [layout.biasOffsets[i], layout.biasOffsets[i] + layout.sizes[i + 1]],
  ]);
  return { optimizer: layout.optimizer, paramCount: layout.paramCount, slotCount: layout.slotCount, ranges };
}

/** New tensors holding the optimizer part of `state` (params then slots), in tfjs's layout. */
export function optimizerTensors(packing: StatePacking, state: Float32Array, shapes: number[][], packed: Omit<PackedOptimizerState, 'slots'>): NamedTensor[] {
  const P = packing.paramCount;
  const tensors: NamedTensor[] = [{ name: 'optimizer/iterations', tensor: tf.scalar(packed.iterations, 'int32') }];
  if (packed.iterations > 0) {
    const ranges = packing.ranges;
    for (let k = 0; k < packing.slotCount; k++)
      ranges.forEach(([a, b], i) => {
        const values = state.slice((k + 1) * P + a, (k + 1) * P + b);
        tensors.push({ name: `optimizer/slot${k * ranges.length + i}`, tensor: tf.tensor(values, shapes[i], 'float32') });
      });
  }
  if (packing.optimizer === 'adam') {
    tensors.push({ name: 'optimizer/adamBeta1Power', tensor: tf.scalar(packed.beta1Power, 'float32') });
    tensors.push({ name: 'optimizer/adamBeta2Power', tensor: tf.scalar(packed.beta2Power, 'float32') });
  }
  return tensors;
}

/** Reads optimizer tensors in tfjs's layout back into the packed form. */
export async function packOptimizerState(packing: StatePacking, state: NamedTensor[]): Promise<PackedOptimizerState> {
  const byName = new Map(state.map((s) => [s.name, s.tensor]));
  const iterationsTensor = byName.get('optimizer/iterations');
  if (!iterationsTensor) throw new Error('The checkpoint has no optimizer iteration count; it cannot be resumed exactly.');
  const iterations = (await iterationsTensor.data())[0];
  const ranges = packing.ranges;
  const P = packing.paramCount;
  const slots = new Float32Array(packing.slotCount * P);
  const slotCount = state.filter((s) => s.name.startsWith('optimizer/slot')).length;
  if (slotCount > 0 && slotCount !== packing.slotCount * ranges.length) {
    throw new Error(`The checkpoint has ${slotCount} optimizer slots, but ${packing.optimizer} on this model keeps ${packing.slotCount * ranges.length}; it was saved with a different optimizer or model.`);
  }
  for (let k = 0; k < packing.slotCount && slotCount > 0; k++)
    for (const [i, [a]] of ranges.entries()) {
      const tensor = byName.get(`optimizer/slot${k * ranges.length + i}`)!;
      slots.set((await tensor.data()) as Float32Array, k * P + a);
    }
  // Checkpoints from before the beta powers were saved: tfjs would restart them at beta; this
  // recomputes them as tfjs would have advanced them, in float32.
  let beta1Power = Math.fround(ADAM_BETA1);
  let beta2Power = Math.fround(ADAM_BETA2);
  const beta1 = byName.get('optimizer/adamBeta1Power');
  const beta2 = byName.get('optimizer/adamBeta2Power');
  if (beta1 && beta2) {
    beta1Power = (await beta1.data())[0];
    beta2Power = (await beta2.data())[0];
  } else {
    for (let t = 0; t < iterations; t++) {
      beta1Power = Math.fround(beta1Power * Math.fround(ADAM_BETA1));
      beta2Power = Math.fround(beta2Power * Math.fround(ADAM_BETA2));
    }
  }
  return { iterations, slots, beta1Power, beta2Power };
}
