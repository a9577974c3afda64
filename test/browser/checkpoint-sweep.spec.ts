// The sweeper: what killed saves leave behind is removed on open, and nothing else is.
import { test, expect } from './support/checkpoint-fixtures.ts';

test('the sweeper removes temp records of dead saves and orphan chunks, and is idempotent', async ({ page }) => {
  const result = await page.evaluate(async () => {
    const { checkpoint, checkpointTesting } = window.lib;
    const store = await checkpoint.openCheckpointStore({ dbName: 'sweep' });
    const kept = await store.save(checkpointTesting.makeInput('r', 1, 5000), { chunkSize: 2048 });
    const { db } = store;
    // A save that died after writing temp: nobody holds its lock.
    const encoded = await checkpoint.encodeCheckpoint(checkpointTesting.makeInput('r', 2, 3_000_000), { id: 'dead-save', chunkSize: 1_000_000 });
    await checkpoint.writeTemp(db, encoded);
    // A chunk without a manifest, as a buggy writer could leave.
    await db.put('chunks', { checkpointId: 'nobody', index: 0, data: new ArrayBuffer(1000) });
    const first = await store.sweep();
    const second = await store.sweep();
    const loaded = await store.load(kept.id);
    store.close();
    return { first, second, deadBytes: encoded.manifest.totalBytes, loadedStep: loaded.manifest.step, inspection: await checkpointTesting.inspectStore('sweep') };
  });
  expect(result.first).toMatchObject({ unfinishedSaves: 1, tempRecords: 4, tempBytes: result.deadBytes, orphanChunks: 1, orphanBytes: 1000 });
  expect(result.first.message).toBe(
    'Cleaned up 1 unfinished save from an earlier session (3.0 MB). Removed 1 stray chunk that no checkpoint used (1 KB).',
  );
  expect(result.second).toMatchObject({ unfinishedSaves: 0, tempRecords: 0, orphanChunks: 0, message: null });
  expect(result.loadedStep).toBe(1);
  expect(result.inspection.problems).toEqual([]);
  expect(result.inspection.tempRecords).toBe(0);
});

test('without Web Locks, saves still work and the sweeper goes by age: a recent temp save stays, an old one goes', async ({ page }) => {
  const result = await page.evaluate(async () => {
    const { checkpoint, checkpointTesting } = window.lib;
    // A browser without Web Locks: navigator.locks reads as undefined.
    Object.defineProperty(navigator, 'locks', { value: undefined, configurable: true });
    const store = await checkpoint.openCheckpointStore({ dbName: 'sweep-no-locks' });
    const saved = await store.save(checkpointTesting.makeInput('r', 1, 20_000), { chunkSize: 8192 });
    // An unfinished save: its temp records, and no lock anywhere could say whether it is alive.
    const unfinished = await checkpoint.encodeCheckpoint(checkpointTesting.makeInput('r', 2, 20_000), { id: 'unfinished', chunkSize: 8192 });
    await checkpoint.writeTemp(store.db, unfinished);
    const { DEFAULT_MAX_TEMP_AGE_MS: maxAge } = checkpoint;
    // Younger than the limit: a save in another tab may still be writing it.
    const recent = await checkpoint.sweep(store.db, { now: Date.now() + maxAge / 2 });
    const afterRecent = await checkpointTesting.inspectStore('sweep-no-locks');
    const old = await checkpoint.sweep(store.db, { now: Date.now() + maxAge * 2 });
    const loaded = await store.load(saved.id);
    store.close();
    return { recent, afterRecent, old, loadedStep: loaded.manifest.step, after: await checkpointTesting.inspectStore('sweep-no-locks') };
  });
  expect(result.recent).toMatchObject({ unfinishedSaves: 0, tempRecords: 0 });
  // 20 000 bytes in 8 KiB chunks: 3 chunks plus the manifest.
  expect(result.afterRecent.tempRecords).toBe(4);
  expect(result.old).toMatchObject({ unfinishedSaves: 1, tempRecords: 4 });
  expect(result.loadedStep).toBe(1);
  expect(result.after.tempRecords).toBe(0);
  expect(result.after.problems).toEqual([]);
});
