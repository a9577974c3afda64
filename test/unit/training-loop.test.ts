import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { defaultConfig } from '../../src/lib/engine/config.ts';
import { buildDataset } from '../../src/lib/datasets/registry.ts';
import { Trainer } from '../../src/lib/engine/trainer.ts';
import { TrainingLoop, type TrainingLoopHost } from '../../src/lib/worker/training-loop.ts';
import type { SaveReason, WorkerEvent } from '../../src/lib/worker/protocol.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/**
 * A host that records what the loop asked for, at which step. `nextEvent` resolves at the
 * first posted event that passes the test; `nextSave` at the next saveAtBoundary call.
 */
function recordingHost(trainer: Trainer, options: { maySave?: boolean } = {}) {
  const saves: { reason: SaveReason; step: number }[] = [];
  /** Losses read back by each save: equal to its step at a true step boundary. */
  const historyAtSaves: number[] = [];
  const events: WorkerEvent[] = [];
  const errors: unknown[] = [];
  let waiters: { test: (event: WorkerEvent) => boolean; resolve: () => void }[] = [];
  let saveWaiters: (() => void)[] = [];
  const host: TrainingLoopHost = {
    post: (event) => {
      events.push(event);
      for (const waiter of waiters.filter((w) => w.test(event))) waiter.resolve();
      waiters = waiters.filter((w) => !w.test(event));
    },
    evaluate: async () => void (await trainer.evaluate()),
    saveAtBoundary: async (reason) => {
      saves.push({ reason, step: trainer.step });
      historyAtSaves.push(trainer.lossHistory.length);
      saveWaiters.forEach((resolve) => resolve());
      saveWaiters = [];
    },
    maySave: () => options.maySave ?? true,
    saveInFlight: () => false,
    reportError: (error) => void errors.push(error),
  };
  const nextEvent = (test: (event: WorkerEvent) => boolean) => new Promise<void>((resolve) => waiters.push({ test, resolve }));
  const nextSave = () => new Promise<void>((resolve) => saveWaiters.push(resolve));
  const states = () => events.filter((e): e is Extract<WorkerEvent, { type: 'state' }> => e.type === 'state');
  return { host, saves, historyAtSaves, events, errors, states, nextEvent, nextSave };
}

const isStopped = (event: WorkerEvent) => event.type === 'state' && !event.running;
const reached = (step: number) => (event: WorkerEvent) => event.type === 'progress' && event.step >= step;

let trainer: Trainer | null = null;
afterEach(() => {
  trainer?.dispose();
  trainer = null;
});

function spiralTrainer(overrides: Partial<ReturnType<typeof defaultConfig>> = {}): Trainer {
  const config = { ...defaultConfig('classify2d'), ...overrides };
  trainer = Trainer.create(config, buildDataset(config));
  return trainer;
}

/** Trains with autosave off until the loop pauses by itself (Stop at, or a diverged loss). */
async function trainUntilPaused(t: Trainer, stopAt: number, hostOptions: { maySave?: boolean } = {}) {
  const recorded = recordingHost(t, hostOptions);
  const loop = new TrainingLoop(recorded.host);
  loop.autosaveMs = 0;
  loop.stopAt = stopAt;
  const stopped = recorded.nextEvent(isStopped);
  loop.start(t);
  await stopped;
  await loop.stop();
  return recorded;
}

describe('TrainingLoop', () => {
  it('pauses at Stop at step, says so, and saves once with reason "pause" at that step', async () => {
    const t = spiralTrainer();
    const { saves, states, errors } = await trainUntilPaused(t, 25);
    expect(errors).toEqual([]);
    expect(t.step).toBe(25);
    expect(states().at(-1)).toEqual({ type: 'state', running: false, message: 'Paused at step 25, as set in Stop at step.' });
    expect(saves).toEqual([{ reason: 'pause', step: 25 }]);
  });

  it('takes a requested save at the next step boundary, with its reason, and not again at the pause', async () => {
    const t = spiralTrainer();
    const { host, saves, nextEvent, nextSave } = recordingHost(t);
    const loop = new TrainingLoop(host);
    loop.autosaveMs = 0;
    const atFive = nextEvent(reached(5));
    loop.start(t);
    await atFive;
    const saved = nextSave();
    loop.requestSave('manual');
    await saved;
    await loop.stop();
    expect(saves[0].reason).toBe('manual');
    expect(saves[0].step).toBeGreaterThanOrEqual(5);
    // The pause that ended the loop saves once more, as a pause.
    expect(saves.slice(1)).toEqual([{ reason: 'pause', step: t.step }]);
  });

  it('takes a Save that arrives just after Pause at the last step boundary, where every step has its loss', async () => {
    const t = spiralTrainer();
    const { host, saves, historyAtSaves, nextEvent } = recordingHost(t);
    const loop = new TrainingLoop(host);
    loop.autosaveMs = 0;
    const atFive = nextEvent(reached(5));
    loop.start(t);
    await atFive;
    // What the page sends when Pause and then Save are clicked: the loop is still in its last round.
    loop.requestPause();
    expect(loop.active).toBe(true);
    const taken = loop.requestSave('manual');
    await taken;
    await loop.stop();
    expect(saves).toEqual([{ reason: 'manual', step: t.step }]);
    expect(historyAtSaves).toEqual([t.step]);
    expect(loop.active).toBe(false);
  });

  it('does not save on pause when the host may not save (device lost, run taken by another tab)', async () => {
    const t = spiralTrainer();
    const { saves } = await trainUntilPaused(t, 3, { maySave: false });
    expect(t.step).toBe(3);
    expect(saves).toEqual([]);
  });

  it('stops at the first non-finite loss with a message naming its step, and does not save', async () => {
    // A learning rate this large makes the spiral MLP's loss overflow within a few steps.
    const t = spiralTrainer({ learningRate: 1e30 });
    const { saves, states } = await trainUntilPaused(t, 200);
    const message = states().at(-1)?.message ?? '';
    expect(message).toMatch(/^The loss became NaN or infinite at step \d+\./);
    expect(t.step).toBeLessThan(200);
    expect(saves).toEqual([]);
  });

  it('steps once while paused, and not while running', async () => {
    const t = spiralTrainer();
    const { host, nextEvent } = recordingHost(t);
    const loop = new TrainingLoop(host);
    await loop.stepOnce(t);
    await loop.stepOnce(t);
    expect(t.step).toBe(2);

    loop.autosaveMs = 0;
    const running = nextEvent(reached(3));
    loop.start(t);
    await running;
    const other = { trainStep: vi.fn(), readLosses: vi.fn() };
    await loop.stepOnce(other as unknown as Trainer);
    expect(other.trainStep).not.toHaveBeenCalled();
    await loop.stop();
  });
});
