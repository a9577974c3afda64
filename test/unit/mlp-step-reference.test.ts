// The fused MLP step's CPU reference against TensorFlow.js's ops on the CPU backend: the
// gradients of one step, and the losses of 200 steps of the Trainer, for every optimizer,
// with dropout (the same masks) and L2 on. The reference is what the WGSL kernel is tested
// against in the browser, so it must itself agree with tfjs.
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { defaultConfig, OPTIMIZERS, type TrainConfig } from '../../src/lib/engine/config.ts';
import { buildDataset } from '../../src/lib/datasets/registry.ts';
import { Trainer, dropoutSeedAt } from '../../src/lib/engine/trainer.ts';
import { forward } from '../../src/lib/models/forward.ts';
import { modelSpecFor, paramSpecs } from '../../src/lib/models/spec.ts';
import { alea } from '../../src/lib/models/mlp-kernels/dropout-masks.ts';
import { referenceGradients, referenceStep } from '../../src/lib/models/mlp-kernels/mlp-step-reference.ts';
import { referenceRunOf } from '../support/mlp-reference-run.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Largest |a - b| relative to the largest |b|. */
function relativeDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return diff / scale;
}

const CASES: { name: string; config: TrainConfig }[] = [
  { name: 'spiral', config: { ...defaultConfig('classify2d'), dropout: 0.2, l2: 0.001 } },
  { name: 'curve', config: { ...defaultConfig('curve'), dropout: 0.1, l2: 0.001 } },
  { name: 'spiral, sigmoid, 3 layers, step schedule', config: { ...defaultConfig('classify2d'), hidden: [8, 6, 5], activation: 'sigmoid', schedule: 'step', decaySteps: 50, dropout: 0.3, l2: 0.01, features: ['x', 'y', 'xy'] } },
  { name: 'gaussians, linear model', config: { ...defaultConfig('classify2d'), dataset: 'gaussians', hidden: [], l2: 0.01, batchSize: 7 } },
];

describe('alea, as tfjs draws dropout masks', () => {
  it('gives the same numbers as tf.randomUniform with the same seed', () => {
    const stock = tf.randomUniform([50], 0, 1, 'float32', 1234567).dataSync();
    const next = alea('1234567');
    expect(Array.from(stock)).toEqual(Array.from(stock, () => Math.fround(next())));
  });
});

for (const { name, config: base } of CASES) {
  describe(`the fused-step reference on the ${name}`, () => {
    for (const optimizer of OPTIMIZERS) {
      const config: TrainConfig = { ...base, optimizer, learningRate: optimizer === 'sgd' || optimizer === 'momentum' ? 0.05 : base.learningRate };

      it(`computes tfjs's gradients (${optimizer})`, () => {
        const dataset = buildDataset(config);
        const run = referenceRunOf(config, dataset);
        const batch = run.batchAt(0);
        const grads = new Float32Array(run.layout.paramCount);
        const loss = referenceGradients(run.layout, run.state, batch, grads, new Float32Array(run.layout.scratchSize));

        const spec = modelSpecFor(config, dataset);
        const table = paramSpecs(spec);
        const rows = run.layout.batch;
        const [stockLoss, stockGrads] = tf.tidy(() => {
          let at = 0;
          const params = table.map((p) => {
            const size = p.shape.reduce((a, b) => a * b, 1);
            return tf.variable(tf.tensor(run.state.slice(at, (at += size)), p.shape));
          });
          const x = tf.tensor(batch.x, [rows, ...dataset.inputShape]);
          const y = tf.tensor(batch.y, [rows, run.layout.sizes.at(-1)!]);
          const { value, grads } = tf.variableGrads(() => {
            const out = forward(spec, params, x, { dropout: config.dropout, dropoutSeed: dropoutSeedAt(config.seed, 0) });
            const data = dataset.classes === 0 ? tf.losses.meanSquaredError(y, out) : tf.losses.softmaxCrossEntropy(y, out);
            const kernels = params.filter((_, i) => table[i].role === 'kernel');
            return tf.add(data, tf.mul(config.l2, tf.addN(kernels.map((k) => tf.sum(tf.square(k)))))) as tf.Scalar;
          }, params);
          const flat = tf.concat(params.map((p) => grads[p.name].flatten()));
          params.forEach((p) => p.dispose());
          return [value.dataSync()[0], flat.dataSync()];
        });
        expect(Math.abs(loss - stockLoss) / stockLoss).toBeLessThan(1e-5);
        expect(relativeDifference(grads, stockGrads)).toBeLessThan(1e-5);
      });

      it(`follows the Trainer's losses for 200 steps (${optimizer})`, async () => {
        const dataset = buildDataset(config);
        const trainer = Trainer.create(config, dataset, undefined, { kernels: 'tfjs' });
        for (let i = 0; i < 200; i++) trainer.trainStep();
        await trainer.readLosses();
        const stock = [...trainer.lossHistory];
        trainer.dispose();
        const run = referenceRunOf(config, dataset);
        const ours = stock.map((_, step) => referenceStep(run.layout, run.state, run.batchAt(step)));
        expect(relativeDifference(ours, stock)).toBeLessThan(1e-4);
      });
    }
  });
}

describe('Trainer.kernelPath', () => {
  it('says why a trainer uses TensorFlow.js ops', () => {
    const config = defaultConfig('classify2d');
    const dataset = buildDataset(config);
    const onCpu = Trainer.create(config, dataset);
    const asked = Trainer.create(config, dataset, undefined, { kernels: 'tfjs' });
    expect(onCpu.kernelPath).toEqual({ kind: 'tfjs', reason: 'fused kernels need WebGPU, and the backend is cpu' });
    expect(asked.kernelPath).toEqual({ kind: 'tfjs', reason: 'TensorFlow.js ops were asked for' });
    onCpu.dispose();
    asked.dispose();
  });
});
