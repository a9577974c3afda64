// (a) What goes into a checkpoint comes back bit for bit, whatever the chunking.
import { test, expect } from './support/checkpoint-fixtures.ts';

test('float32 and int32 tensors round-trip bit-exactly across chunk boundaries, with empty and scalar tensors, however the temp writes are batched', async ({ page }) => {
  const result = await page.evaluate(() => window.lib.checkpointScenarios.roundTripEdgeCases('round-trip'));
  expect(result.sameEveryWay).toEqual([true, true, true]);
  expect(result.same).toBe(true);
  expect(result.state).toEqual({ note: 'ünïcode ✓' });
  expect(result.totalBytes).toBe((6 + 5 + 1 + 1 + 77) * 4);
  expect(result.chunkCount).toBe(Math.ceil(result.totalBytes / 20));
  expect(result.spanning).toEqual(expect.arrayContaining(['special', 'int-extremes', 'long']));
});

test('snapshotTensors reads cloned tensors with data(), disposes them, and the values round-trip', async ({ page }) => {
  const result = await page.evaluate(async () => {
    const { tf, checkpoint, checkpointTesting } = window.lib;
    const store = await checkpoint.openCheckpointStore({ dbName: 'snapshot' });
    const weights = tf.tensor2d(checkpointTesting.randomFloats(12, 9), [3, 4]);
    const counter = tf.scalar(41, 'int32');
    const before = tf.memory().numTensors;
    const tensors = await checkpoint.snapshotTensors([
      { name: 'w', tensor: weights.clone() },
      { name: 'n', tensor: counter.clone() },
    ]);
    const afterSnapshot = tf.memory().numTensors;
    const saved = await store.save({ runId: 'r', step: 1, loss: 1, config: {}, metrics: {}, state: {}, tensors }, { chunkSize: 8 });
    const loaded = await store.load(saved.id);
    const restored = tf.tensor(loaded.tensors[0].values, loaded.tensors[0].shape);
    const equal = tf.equal(restored, weights).all().dataSync()[0] === 1;
    tf.dispose([restored, weights, counter]);
    store.close();
    return { before, afterSnapshot, equal, counter: Array.from(loaded.tensors[1].values), shape: loaded.tensors[0].shape };
  });
  expect(result.afterSnapshot).toBe(result.before);
  expect(result.equal).toBe(true);
  expect(result.counter).toEqual([41]);
  expect(result.shape).toEqual([3, 4]);
});

test('a 64 MB checkpoint round-trips bit-exactly with the default chunk size', async ({ page }) => {
  const result = await page.evaluate(() => window.lib.checkpointScenarios.roundTripOfSize('large', 64 * 1024 * 1024));
  expect(result.same).toBe(true);
  expect(result.bytes).toBeGreaterThanOrEqual(64 * 1024 * 1024 - 64);
  expect(result.chunks).toBe(Math.ceil(result.bytes / result.chunkSize));
});

test('the store works inside a Web Worker, with no window and no DOM', async ({ page }) => {
  const result = await page.evaluate(() => window.lib.checkpointScenarios.storeInWorker('in-worker'));
  expect(result).toEqual({
    hasWindow: false,
    hasDocument: false,
    phases: ['encode', 'write', 'verify', 'commit'],
    unfinishedSaves: 0,
    step: 7,
    same: true,
    runBytes: expect.any(Number),
  });
});
