// (c) A full disk costs only the save in progress: the error says how big the checkpoint is,
// what the browser reports as free and what to do; earlier checkpoints and `temp` are clean.
import { chromium } from '@playwright/test';
import { test, expect, openHarness } from './support/checkpoint-fixtures.ts';

const QUOTA = 3_000_000;

test('a save that exceeds the quota fails with a clear message, in temp writes or at commit, and costs nothing else', async ({ context, page }) => {
  await test.step('limit the origin to 3 MB before its first IndexedDB write', async () => {
    // Chromium's IndexedDB caches the space it may use for up to 30 s after asking the quota
    // manager (BucketContext::kBucketSpaceCacheTimeLimit). A fresh profile has asked nothing
    // yet, so an override set before the first write takes effect at once: no 30 s wait.
    const cdp = await context.newCDPSession(page);
    await cdp.send('Storage.overrideQuotaForOrigin', { origin: new URL(page.url()).origin, quotaSize: QUOTA });
  });

  // Chromium's estimate() says "usage + 10 GiB" here whatever the override (its static quota),
  // so the free-space check lets both saves through. 4 MB cannot fit at all: a temp write
  // fails. 1.5 MB fits in temp, but the commit copies it to `chunks` before deleting temp, so
  // it needs 3 MB: every put succeeds and the transaction aborts when it commits.
  const result = await page.evaluate((quota) => window.lib.checkpointScenarios.savesBeyondQuota('quota', quota), QUOTA);
  expect(result.reportsLimit).toBe(false);

  for (const [failure, phase, size] of [
    [result.tooBig, 'write', '4.0 MB'],
    [result.halfQuota, 'commit', '1.5 MB'],
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

test('where the estimate reports the limit, a save that cannot fit twice is refused before it writes anything', async ({ launchOptions, baseURL }, testInfo) => {
  // Without its static quota, Chromium's estimate() reports the override, as it reports a
  // disk that is really short of space.
  const args = [...(launchOptions.args ?? []), '--disable-features=StaticStorageQuota'];
  const context = await chromium.launchPersistentContext(testInfo.outputPath('user-data-dir'), { ...launchOptions, args, headless: true, baseURL });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    await openHarness(page);
    const cdp = await context.newCDPSession(page);
    await cdp.send('Storage.overrideQuotaForOrigin', { origin: new URL(page.url()).origin, quotaSize: QUOTA });
    const result = await page.evaluate((quota) => window.lib.checkpointScenarios.savesBeyondQuota('quota', quota), QUOTA);
    expect(result.reportsLimit).toBe(true);

    // 4 MB and 1.5 MB: each needs about twice its size free during its commit.
    for (const [refused, step, size, needed] of [
      [result.tooBig, 2, '4.0 MB', '8.0 MB'],
      [result.halfQuota, 3, '1.5 MB', '3.0 MB'],
    ] as const) {
      expect(refused.wrote).toBe(false);
      expect(refused.error).toMatchObject({ name: 'NotEnoughSpaceError', isDOMException: false });
      expect(refused.error?.message).toMatch(
        new RegExp(
          `^There is not enough storage space to save the checkpoint at step ${step} \\(${size}; while saving it briefly needs about ${needed}\\), so nothing was written\\. ` +
            'The browser reports [\\d.]+ [KMG]?B free for this site\\. Delete old checkpoints or runs, or make storage persistent, then save again\\. ' +
            'Earlier checkpoints are unchanged and training goes on\\.$',
        ),
      );
      expect(refused.tempRecords).toBe(0);
      expect(refused.steps).toEqual([1]);
    }
    // Space taken by another writer between the check and the first write: the write fails cleanly.
    expect(result.tookSpace?.phase).toBe('write');
    expect(result.tookSpace?.error).toMatchObject({ name: 'CheckpointSaveError', cause: 'QuotaExceededError' });
    expect(result.tookSpace?.tempRecords).toBe(0);
    expect(result.tookSpace?.problems).toEqual([]);
    expect(result.loadedStep).toBe(1);
    expect(result.afterStep).toBe(4);
    expect(result.inspection.tempRecords).toBe(0);
    expect(result.inspection.problems).toEqual([]);
  } finally {
    await context.close();
  }
});
