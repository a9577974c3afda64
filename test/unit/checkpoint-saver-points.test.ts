import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { defaultConfig, type TrainConfig } from '../../src/lib/engine/config.ts';
import { buildDataset } from '../../src/lib/datasets/registry.ts';
import { Trainer } from '../../src/lib/engine/trainer.ts';
import { CheckpointSaver } from '../../src/lib/worker/checkpoint-saver.ts';
import { CurrentRun } from '../../src/lib/worker/current-run.ts';
import type { Persistence } from '../../src/lib/worker/persistence.ts';
import type { RunLock } from '../../src/lib/worker/run-lock.ts';
import type { SaveResult } from '../../src/lib/checkpoint/types.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** A store that records the config of every save and commits when told to. */
function recordingStore() {
  const saved: TrainConfig[] = [];
  let commit: (() => void)[] = [];
  const persistence = {
    store: {},
    save: (captured: { tensors: { tensor: tf.Tensor }[] }, meta: { config: TrainConfig }) => {
      tf.dispose(captured.tensors.map((t) => t.tensor));
      saved.push(meta.config);
      return new Promise<SaveResult>((resolve) => commit.push(() => resolve({} as SaveResult)));
    },
    settle: async () => {},
  } as unknown as Persistence;
  const commitAll = async () => {
    commit.splice(0).forEach((done) => done());
    // One task later, every committed save's .then (which records its step) has run.
    await new Promise((resolve) => setTimeout(resolve, 0));
  };
  return { persistence, saved, commitAll };
}

const current = new CurrentRun();
afterEach(() => current.trainer?.dispose());

describe('CheckpointSaver after a curve run\'s points change in place', () => {
  it('saves the same step again with the new points, even when the old points were being written as they changed', async () => {
    const config = defaultConfig('curve');
    const trainer = Trainer.create(config, buildDataset(config));
    current.install(trainer, { id: 'run', name: 'run', lock: { release() {} } as RunLock });
    const { persistence, saved, commitAll } = recordingStore();
    const saver = new CheckpointSaver(current, persistence, { post: () => {}, backendName: () => 'cpu', maySave: () => true });
    saver.runInstalled(0);
    for (let i = 0; i < 5; i++) trainer.trainStep();
    await trainer.readLosses();

    await saver.saveAtBoundary('pause');
    const points: TrainConfig = { ...config, dataset: 'points', points: [[0, 1], [1, 0]] };
    trainer.replaceData(points, buildDataset(points));
    saver.configChanged();
    // The save of the old points commits after the change: step 5 is still not saved with the new ones.
    await commitAll();
    expect(saver.hasUnsavedSteps).toBe(true);
    await saver.saveAtBoundary('hidden');
    await commitAll();
    expect(saved.map((c) => c.dataset)).toEqual(['sine', 'points']);
    expect(saved[1].points).toEqual([[0, 1], [1, 0]]);
    expect(saver.hasUnsavedSteps).toBe(false);
    // Nothing changed since: an autosave at the same step writes nothing more.
    await saver.saveAtBoundary('autosave');
    expect(saved).toHaveLength(2);
  });
});
