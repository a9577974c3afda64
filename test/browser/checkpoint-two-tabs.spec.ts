// (e) Tabs share one database: a tab that opens (and sweeps) must never touch another
// tab's save in progress, and a schema upgrade elsewhere closes this tab's connection.
import { test, expect, openHarness } from './support/checkpoint-fixtures.ts';

test("a second tab's sweep leaves a live save alone, and that save then commits", async ({ context, page: tabA }) => {
  await test.step('tab A saves one checkpoint, then pauses the next one right before its commit', async () => {
    await tabA.evaluate(() => window.lib.checkpointScenarios.startPausedSave('two-tabs'));
  });

  const tabB = await context.newPage();
  await openHarness(tabB);

  await test.step("tab B opens the store, which sweeps, and sweeps again: only the dead save goes, A's temp records stay", async () => {
    const result = await tabB.evaluate(() => window.lib.checkpointScenarios.sweepBesideLiveSave('two-tabs'));
    // 20 000 bytes in 8 KiB chunks: 3 chunks plus the manifest.
    expect(result.before.tempRecords).toBe(4);
    expect(result.initial).toMatchObject({ unfinishedSaves: 1, tempRecords: 4 });
    expect(result.again.unfinishedSaves).toBe(0);
    expect(result.after.tempRecords).toBe(4);
    expect(result.after.tempSaveIds).toEqual(result.before.tempSaveIds);
  });

  await test.step("tab A resumes: its commit succeeds and tab B loads it", async () => {
    const saved = await tabA.evaluate(() => window.lib.checkpointScenarios.resumePausedSave());
    expect(saved).toMatchObject({ step: 2, isLatest: true });
    const result = await tabB.evaluate(() => window.lib.checkpointScenarios.loadLatestAndInspect('two-tabs', 'r'));
    expect(result.step).toBe(2);
    expect(result.message).toBeNull();
    expect(result.inspection.tempRecords).toBe(0);
    expect(result.inspection.problems).toEqual([]);
  });
});

test('a newer schema opened in another tab closes this connection and calls onVersionChange', async ({ context, page: tabA }) => {
  await tabA.evaluate(() => window.lib.checkpointScenarios.openStoreWatchingUpgrades('upgrade'));
  const tabB = await context.newPage();
  await openHarness(tabB);
  // It only succeeds because tab A closes its connection instead of blocking it.
  const newVersion = await tabB.evaluate(() => window.lib.checkpointScenarios.openNewerSchema('upgrade', window.lib.checkpoint.DB_VERSION + 1));
  expect(newVersion).toBe(3);

  const afterward = await tabA.evaluate(() => window.lib.checkpointScenarios.saveAfterUpgrade());
  expect(afterward.events).toEqual(['versionchange']);
  expect(afterward.closed).toBe(true);
  expect(afterward.error?.name).toBe('StoreClosedError');
  expect(afterward.error?.message).toContain('Reload this tab');
});

test('one tab holds the run lock until another takes it over, and a committed checkpoint is announced to the other tab', async ({ context, page: tabA }) => {
  const tabB = await context.newPage();
  await openHarness(tabB);
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
