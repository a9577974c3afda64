// The sweeper: what killed saves leave behind is removed on open, and nothing else is.
import { test, expect } from './support/checkpoint-fixtures.ts';

test('the sweeper removes temp records of dead saves and orphan chunks, and is idempotent', async ({ page }) => {
  const result = await page.evaluate(() => window.lib.checkpointScenarios.sweepDeadSaves('sweep'));
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
  const result = await page.evaluate(() => window.lib.checkpointScenarios.sweepWithoutWebLocks('sweep-no-locks'));
  expect(result.recent).toMatchObject({ unfinishedSaves: 0, tempRecords: 0 });
  // 20 000 bytes in 8 KiB chunks: 3 chunks plus the manifest.
  expect(result.afterRecent.tempRecords).toBe(4);
  expect(result.old).toMatchObject({ unfinishedSaves: 1, tempRecords: 4 });
  expect(result.loadedStep).toBe(1);
  expect(result.after.tempRecords).toBe(0);
  expect(result.after.problems).toEqual([]);
});
