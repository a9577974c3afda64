import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { defaultConfig, type TrainConfig } from '../../src/lib/engine/config.ts';
import { buildDataset } from '../../src/lib/datasets/registry.ts';
import { Trainer } from '../../src/lib/engine/trainer.ts';
import type { CurvePoint } from '../../src/lib/datasets/curve-points.ts';
import { TrainingLoop, type TrainingLoopHost } from '../../src/lib/worker/training-loop.ts';
import type { WorkerEvent } from '../../src/lib/worker/protocol.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const sine = (): TrainConfig => defaultConfig('curve');
const placed = (points: CurvePoint[]): TrainConfig => ({ ...sine(), dataset: 'points', points });
/** A line well away from the sine: y = 1.5 wherever the points are. */
const line = (count: number): CurvePoint[] => Array.from({ length: count }, (_, i) => [-2.9 + (5.8 * i) / (count - 1), 1.5]);

const trainers: Trainer[] = [];
const create = (config: TrainConfig) => {
  const trainer = Trainer.create(config, buildDataset(config));
  trainers.push(trainer);
  return trainer;
};
afterEach(() => trainers.splice(0).forEach((t) => t.dispose()));

async function train(trainer: Trainer, steps: number): Promise<number[]> {
  for (let i = 0; i < steps; i++) trainer.trainStep();
  return Array.from(await trainer.readLosses());
}

describe('Trainer.replaceData (a curve run\'s points change)', () => {
  it('at step 0 is the same run as a fresh one of the new points', async () => {
    const edited = create(sine());
    edited.replaceData(placed(line(20)), buildDataset(placed(line(20))));
    const fresh = create(placed(line(20)));
    expect(await train(edited, 30)).toEqual(await train(fresh, 30));
  });

  it('keeps the weights, the step and the history, and the fit moves toward the new points', async () => {
    const trainer = create(sine());
    await train(trainer, 60);
    const at = Float32Array.of(0.5);
    const before = (await trainer.predict(at))[0];
    trainer.replaceData(placed(line(20)), buildDataset(placed(line(20))));
    expect((await trainer.predict(at))[0]).toBe(before);
    expect(trainer.step).toBe(60);
    expect(trainer.lossHistory).toHaveLength(60);
    await train(trainer, 200);
    const after = (await trainer.predict(at))[0];
    expect(Math.abs(after - 1.5)).toBeLessThan(Math.abs(before - 1.5) / 2);
  });

  it('resumes bit-exactly from a checkpoint taken after the change, whose config holds the new points', async () => {
    const trainer = create(sine());
    await train(trainer, 37);
    const config = placed(line(20));
    trainer.replaceData(config, buildDataset(config));
    await train(trainer, 9);
    const captured = await trainer.captureState();
    const resumed = await Trainer.restore(trainer.config, buildDataset(trainer.config), captured);
    trainers.push(resumed);
    tf.dispose(captured.tensors.map((t) => t.tensor));
    expect(await train(resumed, 25)).toEqual(await train(trainer, 25));
  });

  it('shrinks the batch to fewer points than the batch size, and keeps tensors flat', async () => {
    const trainer = create(sine());
    await train(trainer, 5);
    const tensors = tf.memory().numTensors;
    const three = placed(line(3));
    trainer.replaceData(three, buildDataset(three));
    expect(trainer.batchSize).toBe(3);
    trainer.replaceData(sine(), buildDataset(sine()));
    expect(trainer.batchSize).toBe(16);
    expect(tf.memory().numTensors).toBe(tensors);
  });

  it('refuses any other change, and a change with losses still on the device', async () => {
    const trainer = create(sine());
    expect(() => trainer.replaceData({ ...placed(line(4)), seed: 2 }, buildDataset(placed(line(4))))).toThrow(/Only a curve run's points/);
    trainer.trainStep();
    expect(() => trainer.replaceData(placed(line(4)), buildDataset(placed(line(4))))).toThrow(/step boundary/);
    await trainer.readLosses();
  });
});

describe('TrainingLoop.atStepBoundary', () => {
  it('changes the data while training, at a step boundary, before the pause saves', async () => {
    const trainer = create(sine());
    const log: string[] = [];
    let stepReached: () => void = () => {};
    const reached = new Promise<void>((resolve) => (stepReached = resolve));
    const host: TrainingLoopHost = {
      post: (event: WorkerEvent) => {
        if (event.type === 'progress' && event.step >= 20) stepReached();
      },
      evaluate: async () => void (await trainer.evaluate()),
      saveAtBoundary: async (reason) => void log.push(`save ${reason} ${trainer.config.dataset}`),
      maySave: () => true,
      saveInFlight: () => false,
      reportError: (error) => void log.push(`error ${String(error)}`),
    };
    const loop = new TrainingLoop(host);
    loop.autosaveMs = 0;
    loop.start(trainer);
    await reached;
    const config = placed(line(10));
    await loop.atStepBoundary(() => {
      log.push(`change at ${trainer.step}, ${trainer.pendingLossCount} losses pending, ${trainer.lossHistory.length} read`);
      trainer.replaceData(config, buildDataset(config));
    });
    const stepAtChange = trainer.lossHistory.length;
    await loop.stop();
    expect(log[0]).toBe(`change at ${stepAtChange}, 0 losses pending, ${stepAtChange} read`);
    expect(log.slice(1)).toEqual(['save pause points']);
  });
});
