// (f) Retention, and the save-path refusals that must leave earlier checkpoints alone.
import { test, expect } from './support/checkpoint-fixtures.ts';

test('after 10 saves with retain 3, exactly the last 3 plus the best remain, with no orphan chunks', async ({ page }) => {
  // The loss is lowest at step 2, so that checkpoint is the best and outlives retention.
  const result = await page.evaluate(() => window.lib.checkpointScenarios.retentionAfterTenSaves('retention'));
  expect(result.list.map((c) => c.step)).toEqual([9, 8, 7, 2]);
  expect(result.list.find((c) => c.isBest)?.step).toBe(2);
  expect(result.list.find((c) => c.isLatest)?.step).toBe(9);
  expect(result.removed).toBe(6);
  expect(result.run.checkpointCount).toBe(4);
  expect(result.run.bytes).toBe(result.list.reduce((sum, c) => sum + c.bytes, 0));
  expect(result.inspection.problems).toEqual([]);
  expect(result.inspection.tempRecords).toBe(0);
  // 3000 bytes in 1 KiB chunks is 3 chunks per checkpoint; none left over from the 6 removed.
  expect(result.inspection.chunkRecords).toBe(4 * 3);
});

test('a state with NaN or Infinity is refused before anything is written', async ({ page }) => {
  const result = await page.evaluate(async () => {
    const { checkpoint, checkpointTesting } = window.lib;
    const store = await checkpoint.openCheckpointStore({ dbName: 'non-finite' });
    await store.save(checkpointTesting.makeInput('r', 1, 4000));
    const diverged = checkpointTesting.makeInput('r', 2, 4000);
    diverged.tensors[0].values[123] = NaN;
    const errors: { name: string; message: string }[] = [];
    for (const input of [diverged, { ...checkpointTesting.makeInput('r', 3, 4000), loss: Infinity }]) {
      await store.save(input).catch((e: Error) => errors.push({ name: e.name, message: e.message }));
    }
    const list = await store.list('r');
    store.close();
    return { errors, steps: list.map((c) => c.step), latest: list.find((c) => c.isLatest)?.step, inspection: await checkpointTesting.inspectStore('non-finite') };
  });
  expect(result.errors.map((e) => e.name)).toEqual(['NonFiniteCheckpointError', 'NonFiniteCheckpointError']);
  expect(result.errors[0].message).toContain('tensor "param/dense0/kernel" contains NaN or infinite values');
  expect(result.errors[1].message).toContain('the loss contains NaN or infinite values');
  expect(result.steps).toEqual([1]);
  expect(result.latest).toBe(1);
  expect(result.inspection.tempRecords).toBe(0);
});

test('a chunk that reads back differently fails verify: saveCheckpoint cleans up its temp records, and only that save is lost', async ({ page }) => {
  const result = await page.evaluate(async () => {
    const { checkpoint, checkpointTesting } = window.lib;
    const store = await checkpoint.openCheckpointStore({ dbName: 'verify' });
    const first = await store.save(checkpointTesting.makeInput('r', 1, 5000), { chunkSize: 2048 });
    const { db } = store;
    let tempRecordsBeforeVerify = 0;
    const error = await store
      .save(checkpointTesting.makeInput('r', 2, 5000), {
        chunkSize: 2048,
        // Flip one bit of chunk 1 after it was written and before verify reads it, as a failing disk would.
        afterTempWrite: async (saveId) => {
          tempRecordsBeforeVerify = (await db.getAllKeys('temp')).length;
          await checkpointTesting.flipStoredBit(db, 'temp', [saveId, 1], 100);
        },
      })
      .then(
        () => null,
        (e: Error) => ({ name: e.name, message: e.message }),
      );
    const loaded = await store.load(first.id);
    store.close();
    return { error, tempRecordsBeforeVerify, loadedStep: loaded.manifest.step, inspection: await checkpointTesting.inspectStore('verify') };
  });
  expect(result.error?.name).toBe('CheckpointVerifyError');
  expect(result.error?.message).toContain('chunk 1 does not match its xxh64 checksum');
  // The save really wrote temp records (a manifest and three chunks), and then removed them itself.
  expect(result.tempRecordsBeforeVerify).toBe(4);
  expect(result.inspection.tempRecords).toBe(0);
  expect(result.loadedStep).toBe(1);
  expect(result.inspection.checkpoints.map((c) => c.step)).toEqual([1]);
});

test('remove and removeRun take chunks with them and move the pointers; rename and usage report the run', async ({ page }) => {
  const result = await page.evaluate(async () => {
    const { checkpoint, checkpointTesting } = window.lib;
    const store = await checkpoint.openCheckpointStore({ dbName: 'remove' });
    const a1 = await store.save(checkpointTesting.makeInput('a', 1, 5000, { loss: 0.2 }), { chunkSize: 2048 });
    const a2 = await store.save(checkpointTesting.makeInput('a', 2, 5000, { loss: 0.3 }), { chunkSize: 2048 });
    await store.save(checkpointTesting.makeInput('b', 1, 5000), { chunkSize: 2048 });
    await store.remove(a1.id);
    const afterRemove = (await store.list('a')).map(({ step, isBest, isLatest }) => ({ step, isBest, isLatest }));
    await store.renameRun('a', 'Spiral, lr 0.03');
    const usage = await store.usage();
    await store.removeRun('b');
    const runs = (await store.listRuns()).map(({ id, name, checkpointCount, latest }) => ({ id, name, checkpointCount, latest }));
    store.close();
    return { a2: a2.id, afterRemove, usage, runs, inspection: await checkpointTesting.inspectStore('remove') };
  });
  expect(result.afterRemove).toEqual([{ step: 2, isBest: true, isLatest: true }]);
  expect(result.usage.runs.map(({ runId, name, checkpointCount }) => ({ runId, name, checkpointCount })).sort((x, y) => x.runId.localeCompare(y.runId))).toEqual([
    { runId: 'a', name: 'Spiral, lr 0.03', checkpointCount: 1 },
    { runId: 'b', name: 'Run b', checkpointCount: 1 },
  ]);
  expect(result.usage.estimate?.usage).toBeGreaterThan(0);
  expect(result.runs).toEqual([{ id: 'a', name: 'Spiral, lr 0.03', checkpointCount: 1, latest: result.a2 }]);
  expect(result.inspection.problems).toEqual([]);
  expect(result.inspection.chunkRecords).toBe(3);
});
