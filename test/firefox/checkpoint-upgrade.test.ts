// Schema version 1 -> 2 and format v1 -> v2 in Firefox: the first and third scenarios of
// test/browser/checkpoint-upgrade.spec.ts, run by the same in-page functions
// (test/support/checkpoint-upgrade.ts, imported into the harness page).
import type { Page } from 'puppeteer-core';
import { test, expect, openPage, HARNESS_PATH } from './support/firefox.ts';

declare global {
  interface Window {
    upgradeScenarios: typeof import('../support/checkpoint-upgrade.ts');
  }
}

async function openUpgradeHarness(browser: Parameters<typeof openPage>[0]): Promise<Page> {
  const page = await openPage(browser, HARNESS_PATH);
  // A string, not a function: Vitest would rewrite an import() in a function's source for Node.
  await page.evaluate(`import('/test/support/checkpoint-upgrade.ts').then((module) => { window.upgradeScenarios = module; })`);
  return page;
}

test('a v1 profile opens with the current code: every record kept, every checkpoint loads bit for bit', async ({ firefox }) => {
  const page = await openUpgradeHarness(firefox.browser);
  const written = await page.evaluate(() => window.upgradeScenarios.writeV1Profile('upgrade'));
  expect(written.records).toEqual({ runs: 2, checkpoints: 4, chunks: 6, temp: 2 });
  const result = await page.evaluate(() => window.upgradeScenarios.openV1ProfileWithCurrentCode('upgrade'));
  expect(result.version).toBe(2);
  expect(result.records).toEqual(written.records);
  expect(result.rawRecord.manifestChecksum).toMatchObject({ algorithm: 'sha-256' });
  expect(result.tempManifestChecksum).toBe('sha-256');
  expect(result.initialSweep.unfinishedSaves).toBe(1);
  expect(result.loads.map(({ runId, step }) => `${runId}@${step}`).sort()).toEqual(['a@100', 'a@200', 'a@300', 'b@50']);
  for (const load of result.loads) expect(load).toMatchObject({ version: 1, same: true });
  expect(result.latestAfterSave).toEqual({ step: 400, version: 2 });
  expect(result.afterSave).toEqual([400, 300, 200]);
  expect(result.damaged?.name).toBe('NoIntactCheckpointError');
});

test('a new tab waits for an old tab that keeps its connection, says "reload or close that tab", and opens once it does', async ({ firefox }) => {
  const oldTab = await openUpgradeHarness(firefox.browser);
  await oldTab.evaluate(() => window.upgradeScenarios.writeV1Profile('webgpu-playground'));
  await oldTab.evaluate(() => window.upgradeScenarios.openOldTab('webgpu-playground', false));
  const newTab = await openUpgradeHarness(firefox.browser);
  await newTab.evaluate(() => window.upgradeScenarios.startPersistence());
  const waiting = 'The checkpoint store is waiting for another playground tab that uses an older version; reload or close that tab.';
  await newTab.waitForFunction((text) => window.upgradeScenarios.persistenceNotices().notices.includes(text), { timeout: 30_000 }, waiting);
  expect((await newTab.evaluate(() => window.upgradeScenarios.persistenceNotices())).opened).toBe(false);

  await oldTab.evaluate(() => window.upgradeScenarios.closeOldTab());
  await newTab.evaluate(() => window.upgradeScenarios.persistenceOpened());
  const opened = await newTab.evaluate(() => window.upgradeScenarios.persistenceNotices());
  expect(opened.runs.sort()).toEqual(['a', 'b']);
});
