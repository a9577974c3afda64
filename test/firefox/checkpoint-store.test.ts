// The checkpoint store against Firefox's own IndexedDB: the scenarios of the Chromium specs
// (test/browser/checkpoint-*.spec.ts), run by the same in-page functions
// (test/support/checkpoint-scenarios.ts), with the same expectations where Firefox behaves
// alike. Firefox differs from Chromium where it matters here: it ends a transaction as soon
// as the page awaits anything but an IndexedDB request, and it stores Blobs in files of its own.
import { describe } from 'vitest';
import { test, expect } from './support/firefox.ts';

const MB = 1024 * 1024;

describe('round trip', () => {
  test('float32 and int32 edge values round-trip bit-exactly across 20-byte chunks, however the temp writes are batched', async ({ page }) => {
    const result = await page.evaluate(() => window.checkpointLib.checkpointScenarios.roundTripEdgeCases('round-trip'));
    expect(result.sameEveryWay).toEqual([true, true, true]);
    expect(result.same).toBe(true);
    expect(result.state).toEqual({ note: 'ünïcode ✓' });
    expect(result.totalBytes).toBe((6 + 5 + 1 + 1 + 77) * 4);
    expect(result.chunkCount).toBe(Math.ceil(result.totalBytes / 20));
    expect(result.spanning).toEqual(expect.arrayContaining(['special', 'int-extremes', 'long']));
  });

  test('checkpoints of 1 KB, 1 MB, 16 MB and 64 MB round-trip bit-exactly with the default chunk size', async ({ page }) => {
    for (const bytes of [1024, 1 * MB, 16 * MB, 64 * MB]) {
      const result = await page.evaluate((size) => window.checkpointLib.checkpointScenarios.roundTripOfSize(`size-${size}`, size), bytes);
      expect(result.same, `${bytes} bytes`).toBe(true);
      expect(result.bytes).toBeGreaterThanOrEqual(bytes - 64);
      expect(result.chunks).toBe(Math.ceil(result.bytes / result.chunkSize));
    }
  });

  test('the store works inside a Web Worker, with no window and no DOM', async ({ page }) => {
    const result = await page.evaluate(() => window.checkpointLib.checkpointScenarios.storeInWorker('in-worker'));
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
});

describe('corruption', () => {
  test('a flipped byte in a committed chunk makes loadLatest fall back, with a message, and the mark persists', async ({ page }) => {
    const result = await page.evaluate(() => window.checkpointLib.checkpointScenarios.flippedByteFallback('flip'));
    expect(result.loadedStep).toBe(100);
    expect(result.message).toBe('The checkpoint at step 200 is damaged (chunk 2 of 3 does not match its xxh64 checksum), so the run was loaded from step 100 instead.');
    expect(result.skipped).toEqual([200]);
    expect(result.direct).toBe('CheckpointCorruptError');
    expect(result.list).toEqual([
      { step: 200, corrupt: true, isLatest: false, isBest: false },
      { step: 100, corrupt: false, isLatest: true, isBest: true },
    ]);
    expect(result.againStep).toBe(100);
    expect(result.againMessage).toContain('step 200 is damaged');
  });

  test('a deleted chunk makes loadLatest fall back; with every checkpoint damaged it refuses to load', async ({ page }) => {
    const result = await page.evaluate(() => window.checkpointLib.checkpointScenarios.deletedChunkFallback('missing'));
    expect(result.loadedStep).toBe(1);
    expect(result.message).toBe('The checkpoint at step 2 is damaged (chunk 3 of 3 is missing), so the run was loaded from step 1 instead.');
    expect(result.none?.name).toBe('NoIntactCheckpointError');
    expect(result.none?.message).toContain('None of the 2 checkpoints of this run could be loaded');
  });
});

describe('retention and sweep', () => {
  test('after 10 saves with retain 3, exactly the last 3 plus the best remain, with no orphan chunks', async ({ page }) => {
    const result = await page.evaluate(() => window.checkpointLib.checkpointScenarios.retentionAfterTenSaves('retention'));
    expect(result.list.map((c) => c.step)).toEqual([9, 8, 7, 2]);
    expect(result.list.find((c) => c.isBest)?.step).toBe(2);
    expect(result.list.find((c) => c.isLatest)?.step).toBe(9);
    expect(result.removed).toBe(6);
    expect(result.run.checkpointCount).toBe(4);
    expect(result.run.bytes).toBe(result.list.reduce((sum, c) => sum + c.bytes, 0));
    expect(result.inspection.problems).toEqual([]);
    expect(result.inspection.tempRecords).toBe(0);
    expect(result.inspection.chunkRecords).toBe(4 * 3);
  });

  test('the sweeper removes temp records of dead saves and orphan chunks, and is idempotent', async ({ page }) => {
    const result = await page.evaluate(() => window.checkpointLib.checkpointScenarios.sweepDeadSaves('sweep'));
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
    const result = await page.evaluate(() => window.checkpointLib.checkpointScenarios.sweepWithoutWebLocks('sweep-no-locks'));
    expect(result.recent).toMatchObject({ unfinishedSaves: 0, tempRecords: 0 });
    expect(result.afterRecent.tempRecords).toBe(4);
    expect(result.old).toMatchObject({ unfinishedSaves: 1, tempRecords: 4 });
    expect(result.loadedStep).toBe(1);
    expect(result.after.tempRecords).toBe(0);
    expect(result.after.problems).toEqual([]);
  });
});
