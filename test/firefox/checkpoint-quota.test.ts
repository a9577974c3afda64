// A full disk in Firefox. The pref dom.quotaManager.temporaryStorage.fixedLimit (KiB) caps
// the storage of all sites together, and one site may use all of it when the cap is this
// small (navigator.storage.estimate() reports it as the quota): a fresh profile with the pref
// set is a small disk. Same scenario as test/browser/checkpoint-quota.spec.ts, two differences:
// - Firefox's estimate reports the cap, so the free-space check refuses a save that cannot
//   fit before it writes anything.
// - Firefox commits a Blob moved from `temp` to `chunks` without a second copy of its file,
//   so a save of half the quota fits, where Chromium's commit needs room for both copies.
// A save whose space another writer takes after its check fails in its temp writes. Firefox
// frees the files of a failed save's Blobs seconds after the failure, not at once: a save
// started within those seconds fails too. The scenario waits for the space first.
import { test, expect, openPage, CHECKPOINT_PAGE_PATH } from './support/firefox.ts';

const QUOTA_KIB = 3000;

test('a save that cannot fit is refused before writing; one whose space is taken fails in its temp writes; both cost nothing else', async ({ launchOnProfile }) => {
  const firefox = await launchOnProfile({ 'dom.quotaManager.temporaryStorage.fixedLimit': QUOTA_KIB });
  const page = await openPage(firefox.browser, CHECKPOINT_PAGE_PATH);
  const quota = await page.evaluate(async () => (await navigator.storage.estimate()).quota);
  expect(quota).toBe(QUOTA_KIB * 1024);
  const result = await page.evaluate((bytes) => window.checkpointLib.checkpointScenarios.savesBeyondQuota('quota', bytes, { awaitReclaim: true }), quota!);

  expect(result.reportsLimit).toBe(true);
  const refused = result.tooBig;
  expect(refused.wrote).toBe(false);
  expect(refused.error).toMatchObject({ name: 'NotEnoughSpaceError', isDOMException: false });
  expect(refused.error?.message).toMatch(/^There is not enough storage space to save the checkpoint at step 2 \(4\.1 MB\), so nothing was written\. /);
  expect(refused.error?.message).toMatch(/The browser reports [\d.]+ [KMG]?B free for this site/);
  expect(refused.error?.message).toContain('Delete old checkpoints or runs, or make storage persistent, then save again.');
  expect(refused.tempRecords).toBe(0);
  expect(refused.steps).toEqual([1]);

  expect(result.halfQuota).toEqual({ phase: 'commit', error: null });

  const failure = result.tookSpace!;
  expect(failure.phase).toBe('write');
  expect(failure.error).toMatchObject({ name: 'CheckpointSaveError', cause: 'QuotaExceededError', isDOMException: true });
  expect(failure.error?.message).toMatch(/^There is not enough storage space to save the checkpoint at step 5 \(/);
  expect(failure.tempRecords).toBe(0);
  expect([...(failure.steps ?? [])].sort((a, b) => a - b)).toEqual([1, 3]);
  expect(failure.problems).toEqual([]);
  expect(failure.reclaimed, 'Firefox gave the failed save its space back').toBe(true);

  expect(result.loadedStep).toBe(1);
  expect(result.afterStep).toBe(4);
  expect(result.inspection.checkpoints.map((c) => c.step).sort((a, b) => a - b)).toEqual([1, 3, 4]);
  expect(result.inspection.tempRecords).toBe(0);
  expect(result.inspection.problems).toEqual([]);
});
