// (a) What goes into a checkpoint comes back bit for bit, whatever the chunking.
import { test, expect } from './support/checkpoint-fixtures.ts';

test('float32 and int32 tensors round-trip bit-exactly across chunk boundaries, with empty and scalar tensors, however the temp writes are batched', async ({ page }) => {
  const result = await page.evaluate(async () => {
    const { checkpoint, checkpointTesting } = window.lib;
    const store = await checkpoint.openCheckpointStore({ dbName: 'round-trip' });
    const bits = (words: number[]) => new Float32Array(Uint32Array.from(words).buffer);
    const tensors: import('../../src/lib/checkpoint/types.ts').TensorData[] = [
      // -0, the smallest denormal, the largest finite float, 1 ulp above 1, and plain values.
      { name: 'special', dtype: 'float32', shape: [2, 3], values: bits([0x80000000, 0x00000001, 0x7f7fffff, 0x3f800001, 0x3f800000, 0xbf800000]) },
      { name: 'empty', dtype: 'float32', shape: [0], values: new Float32Array(0) },
      { name: 'int-extremes', dtype: 'int32', shape: [5], values: Int32Array.of(-(2 ** 31), 2 ** 31 - 1, 0, -1, 123456789) },
      { name: 'scalar-float', dtype: 'float32', shape: [], values: Float32Array.of(Math.PI) },
      { name: 'scalar-int', dtype: 'int32', shape: [], values: Int32Array.of(-7) },
      { name: 'empty-2d', dtype: 'int32', shape: [3, 0], values: new Int32Array(0) },
      { name: 'long', dtype: 'float32', shape: [7, 11], values: checkpointTesting.randomFloats(77, 5) },
    ];
    const input = { runId: 'r', step: 3, loss: 0.5, config: { a: 1 }, metrics: { trainLoss: 0.5 }, state: { note: 'ünïcode ✓' }, tensors };
    // 20-byte chunks: most tensors start mid-chunk and several span three or more chunks.
    // Chunks inside one tensor are views of it, the others are assembled copies. The temp
    // writes go in one transaction (the default), in 50-byte batches, and one chunk each.
    const sameEveryWay: boolean[] = [];
    for (const tempBatchBytes of [undefined, 50, 1]) {
      const { id } = await store.save({ ...input, step: sameEveryWay.length + 1 }, { chunkSize: 20, tempBatchBytes });
      sameEveryWay.push(checkpointTesting.sameTensors(tensors, (await store.load(id)).tensors));
    }
    const saved = await store.save(input, { chunkSize: 20 });
    const loaded = await store.load(saved.id);
    const spanning = loaded.manifest.tensors.filter((t) => t.offset + t.length > 20).map((t) => t.name);
    store.close();
    return {
      sameEveryWay,
      same: checkpointTesting.sameTensors(tensors, loaded.tensors),
      state: loaded.manifest.state,
      chunkCount: loaded.manifest.chunks.length,
      totalBytes: loaded.manifest.totalBytes,
      spanning,
    };
  });
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
  const result = await page.evaluate(async () => {
    const { checkpoint, checkpointTesting } = window.lib;
    const store = await checkpoint.openCheckpointStore({ dbName: 'large' });
    const input = checkpointTesting.makeInput('big', 100, 64 * 1024 * 1024);
    const saved = await store.save(input);
    const loaded = await store.load(saved.id);
    store.close();
    return {
      same: checkpointTesting.sameTensors(input.tensors, loaded.tensors),
      bytes: saved.bytes,
      chunks: loaded.manifest.chunks.length,
      chunkSize: loaded.manifest.chunkSize,
    };
  });
  expect(result.same).toBe(true);
  expect(result.bytes).toBeGreaterThanOrEqual(64 * 1024 * 1024 - 64);
  expect(result.chunks).toBe(Math.ceil(result.bytes / result.chunkSize));
});

test('the store works inside a Web Worker, with no window and no DOM', async ({ page }) => {
  const result = await page.evaluate(
    () =>
      new Promise<Record<string, unknown>>((resolve, reject) => {
        const worker = new Worker('/test/browser/support/checkpoint-worker.ts', { type: 'module' });
        worker.onmessage = (event) => resolve(event.data);
        worker.onerror = (event) => reject(new Error(`The worker failed to start: ${event.message}`));
        worker.postMessage({ dbName: 'in-worker' });
      }),
  );
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
