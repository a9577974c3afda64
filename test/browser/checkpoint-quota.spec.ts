// (c) A full disk costs only the save in progress: the error says how big the checkpoint is,
// what the browser reports as free and what to do; earlier checkpoints and `temp` are clean.
import { test, expect } from './support/checkpoint-fixtures.ts';

const QUOTA = 3_000_000;

test('a save that exceeds the quota fails with a clear message, in temp writes or at commit, and costs nothing else', async ({ context, page }) => {
  await test.step('limit the origin to 3 MB before its first IndexedDB write', async () => {
    // Chromium's IndexedDB caches the space it may use for up to 30 s after asking the quota
    // manager (BucketContext::kBucketSpaceCacheTimeLimit). A fresh profile has asked nothing
    // yet, so an override set before the first write takes effect at once: no 30 s wait.
    const cdp = await context.newCDPSession(page);
    await cdp.send('Storage.overrideQuotaForOrigin', { origin: new URL(page.url()).origin, quotaSize: QUOTA });
  });

  const result = await page.evaluate(async () => {
    const { checkpoint, checkpointTesting } = window.lib;
    const store = await checkpoint.openCheckpointStore({ dbName: 'quota' });
    // Random values: zeros would compress and slip under the quota.
    const first = await store.save(checkpointTesting.makeInput('r', 1, 100_000), { chunkSize: 262_144 });
    const attempt = async (step: number, bytes: number) => {
      let phase = '';
      try {
        await store.save(checkpointTesting.makeInput('r', step, bytes), { chunkSize: 262_144, onProgress: (p) => (phase = p.phase) });
        return { phase, error: null };
      } catch (e) {
        const error = e as InstanceType<typeof checkpoint.CheckpointSaveError>;
        const inspection = await checkpointTesting.inspectStore('quota');
        return {
          phase,
          error: { name: error.name, message: error.message, cause: error.cause?.name, isDOMException: error.cause instanceof DOMException, bytes: error.bytes },
          tempRecords: inspection.tempRecords,
          steps: inspection.checkpoints.map((c) => c.step),
          problems: inspection.problems,
        };
      }
    };
    // 4 MB cannot fit at all: a temp write fails.
    const duringWrite = await attempt(2, 4_000_000);
    // 1.5 MB fits in temp, but the commit copies it to `chunks` before deleting temp, so it
    // needs 3 MB: every put succeeds and the transaction aborts when it commits.
    const duringCommit = await attempt(3, 1_500_000);
    const loaded = await store.load(first.id);
    // The store is not left broken: a save that fits still works.
    const after = await store.save(checkpointTesting.makeInput('r', 4, 100_000), { chunkSize: 262_144 });
    store.close();
    return { duringWrite, duringCommit, loadedStep: loaded.manifest.step, afterStep: after.step, inspection: await checkpointTesting.inspectStore('quota') };
  });

  for (const [failure, phase, size] of [
    [result.duringWrite, 'write', '4.0 MB'],
    [result.duringCommit, 'commit', '1.5 MB'],
  ] as const) {
    expect(failure.phase).toBe(phase);
    expect(failure.error).toMatchObject({ name: 'CheckpointSaveError', cause: 'QuotaExceededError', isDOMException: true });
    expect(failure.error?.message).toMatch(new RegExp(`^There is not enough storage space to save the checkpoint at step \\d \\(${size};`));
    expect(failure.error?.message).toMatch(/The browser reports [\d.]+ [KMG]?B free for this site/);
    expect(failure.error?.message).toContain('Delete old checkpoints or runs, or make storage persistent, then save again.');
    expect(failure.tempRecords).toBe(0);
    expect(failure.steps).toEqual([1]);
    expect(failure.problems).toEqual([]);
  }
  expect(result.loadedStep).toBe(1);
  expect(result.afterStep).toBe(4);
  expect(result.inspection.tempRecords).toBe(0);
  expect(result.inspection.problems).toEqual([]);
});
