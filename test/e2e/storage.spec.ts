import { test, expect } from './fixtures.ts';

test('the storage manager lists runs with their checkpoints, and renames, restores and deletes them', async ({ playground, page }) => {
  await playground.open('?backend=cpu');
  await playground.trainTo(10);
  await playground.expectSaved(10, 'pause');
  await playground.trainTo(20);
  await playground.expectSaved(20, 'pause');

  const storage = page.getByRole('region', { name: 'Storage' });
  await storage.locator('summary').click();
  await expect(storage.locator('summary')).toHaveText(/^Storage: 1 saved run, .+ of .+ used$/);
  const run = page.getByTestId('stored-run');
  await expect(run).toHaveCount(1);
  await expect(run.locator('li')).toHaveCount(2);
  await expect(run.locator('li').first()).toContainText('step 20');

  await test.step('rename the run', async () => {
    await run.getByRole('button', { name: 'Rename' }).click();
    await run.getByLabel('New run name').fill('Spiral for class 7b');
    await run.getByRole('button', { name: 'Save name' }).click();
    await expect(run.locator('strong')).toHaveText('Spiral for class 7b');
  });

  await test.step('restore the older checkpoint', async () => {
    await run.locator('li', { hasText: 'step 10' }).getByRole('button', { name: 'Restore' }).click();
    await expect(playground.stepReadout).toHaveText('10');
  });

  await test.step('delete one checkpoint', async () => {
    await run.locator('li', { hasText: 'step 20' }).getByRole('button', { name: 'Delete' }).click();
    await expect(run.locator('li')).toHaveCount(1);
  });

  await test.step('delete the run', async () => {
    page.once('dialog', (dialog) => dialog.accept());
    await run.getByRole('button', { name: 'Delete run' }).click();
    await expect(page.getByTestId('stored-run')).toHaveCount(0);
    await expect(storage.locator('summary')).toHaveText(/^Storage: 0 saved runs/);
  });
});

test('Keep data on this device asks the browser for persistent storage and shows the answer', async ({ playground, page }) => {
  await playground.open('?backend=cpu');
  const storage = page.getByRole('region', { name: 'Storage' });
  await storage.locator('summary').click();
  await expect(page.getByTestId('persist-status')).toHaveText(/^Storage is (not )?persistent/);
  await storage.getByRole('button', { name: 'Keep data on this device' }).click();
  // Headless Chromium decides by its own heuristics; either answer must be explained.
  await expect(page.getByTestId('persist-status')).toHaveText(
    /^(The browser will keep this site’s checkpoints until you delete them\.|The browser declined to make storage persistent, so it may clear checkpoints when the disk is nearly full\..*)$/,
  );
});

test('when the site data is cleared, the app starts clean with a sentence saying so and saves again', async ({ playground, page, context, baseURL }) => {
  await playground.open('?backend=cpu');
  await playground.trainTo(10);
  await playground.expectSaved(10, 'pause');
  const storage = page.getByRole('region', { name: 'Storage' });
  await expect(storage.locator('summary')).toHaveText(/^Storage: 1 saved run/);

  // What "Clear site data" in the browser's settings does.
  const cdp = await context.newCDPSession(page);
  await cdp.send('Storage.clearDataForOrigin', { origin: new URL(baseURL!).origin, storageTypes: 'indexeddb' });

  await expect(playground.notice).toHaveText(/^The saved runs and checkpoints are gone: this site’s data was cleared/);
  await expect(storage.locator('summary')).toHaveText(/^Storage: 0 saved runs/);
  await expect(playground.stepReadout).toHaveText('10');
  // Still paused at step 10, whose checkpoint is gone: Export saves it again first.
  const [file] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export', exact: true }).click()]);
  expect(file.suggestedFilename()).toMatch(/-step-10\.zip$/);
  await expect(storage.locator('summary')).toHaveText(/^Storage: 1 saved run/);
  await playground.trainTo(15);
  await playground.expectSaved(15, 'pause');
  await expect(storage.locator('summary')).toHaveText(/^Storage: 1 saved run/);
});
