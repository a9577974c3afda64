import { expect } from 'vitest';
import type { TrainerLike } from '../../src/lib/engine/trainer-like.ts';

/**
 * Trains a run and its resumed copy `steps` more steps each and expects the same losses bit
 * for bit (the CPU's promise), then disposes both.
 */
export async function expectSameNextLosses(trainer: TrainerLike, resumed: TrainerLike, steps = 5): Promise<void> {
  for (let i = 0; i < steps; i++) {
    trainer.trainStep();
    resumed.trainStep();
  }
  await trainer.readLosses();
  await resumed.readLosses();
  expect(resumed.lossHistory).toEqual(trainer.lossHistory);
  trainer.dispose();
  resumed.dispose();
}
