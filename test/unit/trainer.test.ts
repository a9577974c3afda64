import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { defaultConfig, type TrainConfig } from '../../src/lib/engine/config.ts';
import { buildDataset } from '../../src/lib/datasets/registry.ts';
import { Trainer } from '../../src/lib/engine/trainer.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

async function lossesOf(config: TrainConfig, steps: number): Promise<number[]> {
  const trainer = Trainer.create(config, buildDataset(config));
  for (let i = 0; i < steps; i++) trainer.trainStep();
  await trainer.readLosses();
  const losses = [...trainer.lossHistory];
  trainer.dispose();
  return losses;
}

describe('Trainer', () => {
  it('lowers the spiral loss', async () => {
    const losses = await lossesOf(defaultConfig('classify2d'), 200);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean(losses.slice(-20))).toBeLessThan(mean(losses.slice(0, 20)) * 0.8);
  });

  it('gives an identical loss sequence for the same seed and config', async () => {
    const config = { ...defaultConfig('classify2d'), dropout: 0.2, batchSize: 50 };
    const first = await lossesOf(config, 40);
    const second = await lossesOf(config, 40);
    expect(second).toEqual(first);
    const other = await lossesOf({ ...config, seed: 2 }, 40);
    expect(other).not.toEqual(first);
  });

  it('keeps tf.memory().numTensors flat over 100 steps, with reads and evaluations', async () => {
    const config = { ...defaultConfig('classify2d'), batchSize: 64 };
    const trainer = Trainer.create(config, buildDataset(config));
    trainer.trainStep();
    await trainer.readLosses();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 100; i++) {
      trainer.trainStep();
      if (i % 10 === 9) await trainer.readLosses();
      if (i % 50 === 49) await trainer.evaluate();
    }
    await trainer.readLosses();
    expect(tf.memory().numTensors).toBe(before);
    trainer.dispose();
  });

  it('leaves no tensor behind once a trainer is disposed, after training and a restore', async () => {
    const config = { ...defaultConfig('classify2d'), batchSize: 64 };
    const dataset = buildDataset(config);
    const before = tf.memory().numTensors;
    const trainer = Trainer.create(config, dataset);
    for (let i = 0; i < 10; i++) trainer.trainStep();
    await trainer.evaluate();
    const captured = await trainer.captureState();
    trainer.dispose();
    const restored = await Trainer.restore(config, dataset, captured);
    tf.dispose(captured.tensors.map((t) => t.tensor));
    restored.trainStep();
    await restored.readLosses();
    restored.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  for (const optimizer of ['adam', 'momentum', 'sgd', 'rmsprop'] as const) {
    it(`resumes bit-exactly from captured state (${optimizer}, across an epoch boundary)`, async () => {
      // 320 training points / batch 64 = 5 steps per epoch, so 12 steps cross two boundaries.
      const config: TrainConfig = { ...defaultConfig('classify2d'), optimizer, batchSize: 64, dropout: 0.1, schedule: 'cosine', decaySteps: 20 };
      const straight = await lossesOf(config, 24);

      const dataset = buildDataset(config);
      const first = Trainer.create(config, dataset);
      for (let i = 0; i < 12; i++) first.trainStep();
      const captured = await first.captureState();
      first.dispose();
      const resumed = await Trainer.restore(config, dataset, captured);
      tf.dispose(captured.tensors.map((t) => t.tensor));
      for (let i = 0; i < 12; i++) resumed.trainStep();
      await resumed.readLosses();
      expect(resumed.step).toBe(24);
      expect([...resumed.lossHistory]).toEqual(straight);
      resumed.dispose();
    });
  }
});
