// Schema version 1 -> 2 and checkpoint format v1 (SHA-256) -> v2 (xxh64), in real Chromium:
// a profile written as v1 wrote it opens with the current code and keeps every record and
// every checkpoint bit for bit; a tab on the old version and one on the new meet as users'
// tabs do after an update (the `versionchange` / `blocked` path).
import type { Page } from '@playwright/test';
import { DEFAULT_DB_NAME } from '../../src/lib/checkpoint/schema.ts';
import { test as base, expect, openHarness } from './support/checkpoint-fixtures.ts';

declare global {
  interface Window {
    upgradeScenarios: typeof import('../support/checkpoint-upgrade.ts');
  }
}

/** Loads test/support/checkpoint-upgrade.ts into an open harness page, beside window.lib. */
async function loadUpgradeScenarios(page: Page): Promise<void> {
  await page.evaluate(async () => {
    window.upgradeScenarios = await import(/* @vite-ignore */ '/test/support/checkpoint-upgrade.ts' as string);
  });
}

async function openUpgradeHarness(page: Page): Promise<void> {
  await openHarness(page);
  await loadUpgradeScenarios(page);
}

const test = base.extend({
  page: async ({ page }, use) => {
    await loadUpgradeScenarios(page);
    await use(page);
  },
});

test('a v1 profile opens with the current code: every record kept, every checkpoint loads bit for bit', async ({ page }) => {
  const written = await page.evaluate(() => window.upgradeScenarios.writeV1Profile('upgrade'));
  expect(written.records).toEqual({ runs: 2, checkpoints: 4, chunks: 6, temp: 2 });

  const result = await page.evaluate(() => window.upgradeScenarios.openV1ProfileWithCurrentCode('upgrade'));
  await test.step('the upgrade keeps every record and moves the manifest hash into manifestChecksum', async () => {
    expect(result.version).toBe(2);
    expect(result.records).toEqual(written.records);
    expect(result.rawRecord.keys).toEqual(['id', 'manifest', 'manifestChecksum', 'runId', 'seq']);
    expect(result.rawRecord.manifestChecksum).toMatchObject({ algorithm: 'sha-256', value: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(result.rawRecord.manifestVersion).toBe(1);
    expect(result.tempManifestChecksum).toBe('sha-256');
    // The killed v1 save holds no lock: the sweep removes it like any other.
    expect(result.initialSweep.unfinishedSaves).toBe(1);
  });
  await test.step('each v1 checkpoint verifies against its SHA-256 and loads bit for bit', async () => {
    expect(result.loads.map(({ runId, step }) => `${runId}@${step}`).sort()).toEqual(['a@100', 'a@200', 'a@300', 'b@50']);
    for (const load of result.loads) expect(load).toMatchObject({ version: 1, same: true });
    expect(result.runs.map((r) => [r.id, r.checkpointCount]).sort()).toEqual([['a', 3], ['b', 1]]);
    expect(result.latestA).toEqual({ step: 300, message: null });
  });
  await test.step('a v2 save joins the v1 run; retention and damage detection span both formats', async () => {
    expect(result.saved.step).toBe(400);
    expect(result.saved.removedIds).toEqual(['v1-a-0']);
    expect(result.afterSave).toEqual([400, 300, 200]);
    expect(result.latestAfterSave).toEqual({ step: 400, version: 2 });
    expect(result.damaged?.name).toBe('NoIntactCheckpointError');
    expect(result.inspection.problems.filter((p) => !p.includes('v1-b-0'))).toEqual([]);
    expect(result.inspection.tempRecords).toBe(0);
  });
});

test('a tab on the old schema closes for the new one, and says so; the new tab opens without waiting', async ({ context, page: oldTab }) => {
  await oldTab.evaluate((name) => window.upgradeScenarios.writeV1Profile(name), DEFAULT_DB_NAME);
  await oldTab.evaluate((name) => window.upgradeScenarios.openOldTab(name, true), DEFAULT_DB_NAME);
  const newTab = await context.newPage();
  await openUpgradeHarness(newTab);
  await newTab.evaluate(async () => {
    window.upgradeScenarios.startPersistence();
    await window.upgradeScenarios.persistenceOpened();
  });
  const opened = await newTab.evaluate(() => window.upgradeScenarios.persistenceNotices());
  expect(opened.notices.filter((n) => n.includes('waiting'))).toEqual([]);
  expect(opened.runs.sort()).toEqual(['a', 'b']);
  expect(await oldTab.evaluate(() => window.upgradeScenarios.oldTabHeard())).toEqual(['versionchange']);
});

test('a new tab waits for an old tab that keeps its connection, says "reload or close that tab", and opens once it does', async ({ context, page: oldTab }) => {
  await oldTab.evaluate((name) => window.upgradeScenarios.writeV1Profile(name), DEFAULT_DB_NAME);
  await oldTab.evaluate((name) => window.upgradeScenarios.openOldTab(name, false), DEFAULT_DB_NAME);
  const newTab = await context.newPage();
  await openUpgradeHarness(newTab);
  await newTab.evaluate(() => window.upgradeScenarios.startPersistence());

  const waiting = 'The checkpoint store is waiting for another playground tab that uses an older version; reload or close that tab.';
  await newTab.waitForFunction((text) => window.upgradeScenarios.persistenceNotices().notices.includes(text), waiting);
  expect((await newTab.evaluate(() => window.upgradeScenarios.persistenceNotices())).opened).toBe(false);

  // The user reloads the old tab: its connection goes, and the upgrade proceeds.
  await oldTab.reload();
  await oldTab.waitForFunction(() => window.lib !== undefined);
  await newTab.evaluate(() => window.upgradeScenarios.persistenceOpened());
  const opened = await newTab.evaluate(() => window.upgradeScenarios.persistenceNotices());
  expect(opened.opened).toBe(true);
  expect(opened.runs.sort()).toEqual(['a', 'b']);
});

test('a tab of this version hears a newer one and says "Reload this tab"', async ({ context, page: thisTab }) => {
  await thisTab.evaluate(async () => {
    window.upgradeScenarios.startPersistence();
    await window.upgradeScenarios.persistenceOpened();
  });
  const newerTab = await context.newPage();
  await openUpgradeHarness(newerTab);
  const version = await newerTab.evaluate((name) => window.lib.checkpointScenarios.openNewerSchema(name, window.lib.checkpoint.DB_VERSION + 1), DEFAULT_DB_NAME);
  expect(version).toBe(3);
  const message = 'Another tab opened a newer version of the playground, so this tab stopped saving checkpoints. Reload this tab to keep saving.';
  await thisTab.waitForFunction((text) => window.upgradeScenarios.persistenceNotices().notices.includes(text), message);
});
