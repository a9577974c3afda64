// Drives the fused step's CPU reference (src/lib/models/mlp-kernels/mlp-step-reference.ts)
// through the same run a Trainer makes from a config: seeded initial weights, the same epoch
// shuffles, learning rates, dropout masks and Adam beta powers. Used by the unit test (against
// tfjs on the CPU) and by the browser checks (against the WGSL kernel).
import type { TrainConfig } from '../../src/lib/engine/config.ts';
import type { Dataset } from '../../src/lib/datasets/types.ts';
import { exampleCount } from '../../src/lib/datasets/types.ts';
import { Rng } from '../../src/lib/engine/rng.ts';
import { learningRateAt } from '../../src/lib/engine/schedules.ts';
import { dropoutSeedAt } from '../../src/lib/engine/trainer.ts';
import { ADAM_BETA1, ADAM_BETA2 } from '../../src/lib/engine/optimizers.ts';
import { modelSpecFor, paramSpecs, type MlpSpec } from '../../src/lib/models/spec.ts';
import { initialValues } from '../../src/lib/models/init.ts';
import { mlpLayout, type MlpLayout } from '../../src/lib/models/mlp-kernels/mlp-layout.ts';
import { fillDropoutMask } from '../../src/lib/models/mlp-kernels/dropout-masks.ts';
import { targetRows } from '../../src/lib/models/mlp-kernels/kernel-path.ts';
import type { ReferenceBatch } from '../../src/lib/models/mlp-kernels/mlp-step-reference.ts';

export interface ReferenceRun {
  layout: MlpLayout;
  /** Params then optimizer slots, packed as the fused kernel keeps them. */
  state: Float32Array;
  /** The inputs of step `step` (0-based), as the Trainer would draw them. */
  batchAt(step: number): ReferenceBatch;
}

export function referenceRunOf(config: TrainConfig, dataset: Dataset): ReferenceRun {
  const spec = modelSpecFor(config, dataset) as MlpSpec;
  const count = exampleCount(dataset.trainX, dataset.inputShape);
  const batch = Math.min(config.batchSize, count);
  const stepsPerEpoch = Math.floor(count / batch);
  const layout = mlpLayout(spec, config.optimizer, batch);
  const state = new Float32Array(layout.paramCount * (1 + layout.slotCount));
  let at = 0;
  for (const v of initialValues(paramSpecs(spec), config.seed)) {
    state.set(v, at);
    at += v.length;
  }
  const targets = targetRows(dataset.trainY, dataset.classes);
  const inputs = layout.sizes[0];
  const outputs = layout.sizes.at(-1)!;
  // One shuffle per epoch from one continuing stream, as Trainer#startNextEpoch replays it.
  const rng = Rng.seeded(config.seed, 'shuffle');
  const orders: Int32Array[] = [];
  let beta1Power = Math.fround(ADAM_BETA1);
  let beta2Power = Math.fround(ADAM_BETA2);
  let nextStep = 0;
  return {
    layout,
    state,
    batchAt(step: number): ReferenceBatch {
      if (step !== nextStep) throw new Error(`Reference steps must be drawn in order; expected step ${nextStep}, got ${step}.`);
      nextStep += 1;
      const epoch = Math.floor(step / stepsPerEpoch);
      while (orders.length <= epoch) orders.push(rng.shuffle(Int32Array.from({ length: count }, (_, i) => i)));
      const start = (step % stepsPerEpoch) * batch;
      const rows = orders[epoch].subarray(start, start + batch);
      const x = new Float32Array(batch * inputs);
      const y = new Float32Array(batch * outputs);
      rows.forEach((r, b) => {
        x.set(dataset.trainX.subarray(r * inputs, (r + 1) * inputs), b * inputs);
        y.set(targets.subarray(r * outputs, (r + 1) * outputs), b * outputs);
      });
      const masks = new Float32Array(layout.maskSizePerStep);
      const seed = dropoutSeedAt(config.seed, step);
      if (config.dropout > 0)
        layout.maskOffsets.forEach((offset, i) => fillDropoutMask(masks.subarray(offset, offset + batch * layout.sizes[i + 1]), config.dropout, seed + i));
      const adam = config.optimizer === 'adam';
      const record = {
        learningRate: learningRateAt(step, config),
        oneMinusBeta1Power: adam ? Math.fround(1 - beta1Power) : 1,
        oneMinusBeta2Power: adam ? Math.fround(1 - beta2Power) : 1,
        l2: config.l2,
        lossSlot: step,
        dropout: config.dropout > 0,
      };
      beta1Power = Math.fround(beta1Power * Math.fround(ADAM_BETA1));
      beta2Power = Math.fround(beta2Power * Math.fround(ADAM_BETA2));
      return { x, y, masks, record };
    },
  };
}
