// Two tabs of one Firefox profile share the database, the Web Locks and the BroadcastChannel
// the app coordinates with. Firefox ESR has all three, so the app has nothing to explain
// here; the store scenarios are those of test/browser/checkpoint-two-tabs.spec.ts.
import { test, expect, openPage, CHECKPOINT_PAGE_PATH, HARNESS_PATH } from './support/firefox.ts';

test("a second tab's sweep leaves a live save alone, and that save then commits", async ({ firefox, page: tabA }) => {
  // Tab A saves one checkpoint, then pauses the next one right before its commit.
  await tabA.evaluate(() => window.checkpointLib.checkpointScenarios.startPausedSave('two-tabs'));
  const tabB = await openPage(firefox.browser, CHECKPOINT_PAGE_PATH);

  const swept = await tabB.evaluate(() => window.checkpointLib.checkpointScenarios.sweepBesideLiveSave('two-tabs'));
  // 20 000 bytes in 8 KiB chunks: 3 chunks plus the manifest.
  expect(swept.before.tempRecords).toBe(4);
  expect(swept.initial).toMatchObject({ unfinishedSaves: 1, tempRecords: 4 });
  expect(swept.again.unfinishedSaves).toBe(0);
  expect(swept.after.tempRecords).toBe(4);
  expect(swept.after.tempSaveIds).toEqual(swept.before.tempSaveIds);

  const saved = await tabA.evaluate(() => window.checkpointLib.checkpointScenarios.resumePausedSave());
  expect(saved).toMatchObject({ step: 2, isLatest: true });
  const loaded = await tabB.evaluate(() => window.checkpointLib.checkpointScenarios.loadLatestAndInspect('two-tabs', 'r'));
  expect(loaded.step).toBe(2);
  expect(loaded.message).toBeNull();
  expect(loaded.inspection.tempRecords).toBe(0);
  expect(loaded.inspection.problems).toEqual([]);
});

test('a newer schema opened in another tab closes this connection and calls onVersionChange', async ({ firefox, page: tabA }) => {
  await tabA.evaluate(() => window.checkpointLib.checkpointScenarios.openStoreWatchingUpgrades('upgrade'));
  const tabB = await openPage(firefox.browser, CHECKPOINT_PAGE_PATH);
  const newVersion = await tabB.evaluate(() => window.checkpointLib.checkpointScenarios.openNewerSchema('upgrade', window.checkpointLib.checkpoint.DB_VERSION + 1));
  expect(newVersion).toBe(3);

  const afterward = await tabA.evaluate(() => window.checkpointLib.checkpointScenarios.saveAfterUpgrade());
  expect(afterward.events).toEqual(['versionchange']);
  expect(afterward.closed).toBe(true);
  expect(afterward.error?.name).toBe('StoreClosedError');
  expect(afterward.error?.message).toContain('Reload this tab');
});

test('one tab holds the run lock until another takes it over, and a committed checkpoint is announced to the other tab', async ({ firefox }) => {
  const tabA = await openPage(firefox.browser, HARNESS_PATH);
  const tabB = await openPage(firefox.browser, HARNESS_PATH);
  expect(await tabA.evaluate(() => window.lib.tabScenarios.acquireRunLock('r'))).toBe(true);
  // Tab B finds the run taken and would show it read-only.
  expect(await tabB.evaluate(() => window.lib.tabScenarios.acquireRunLock('r'))).toBe(false);
  // Take over: B gets the lock and A is told it lost it (the promise settles only then).
  expect(await tabB.evaluate(() => window.lib.tabScenarios.acquireRunLock('r', { steal: true }))).toBe(true);
  await tabA.evaluate(() => window.lib.tabScenarios.whenRunLockLost());

  await tabA.evaluate(() => window.lib.tabScenarios.listenForCheckpointChanges());
  await tabB.evaluate(() => window.lib.tabScenarios.announceCheckpointChange('r'));
  expect(await tabA.evaluate(() => window.lib.tabScenarios.receivedCheckpointChange())).toEqual({ type: 'changed', runId: 'r' });
});
