import { test, expect } from './fixtures.ts';

test('Stop at step refuses -5, 1e9 and 2.5 with a sentence, and accepts a whole number again', async ({ playground, page }) => {
  await playground.open('?backend=cpu');
  const error = page.locator('#stop-at-error');
  for (const bad of ['-5', '1e9', '2.5', '1000001']) {
    await playground.stopAtInput.fill(bad);
    await expect(error).toHaveText(`Stop at step must be a whole number of steps from 0 to 1,000,000 (0 means never); "${bad}" is not.`);
    await expect(playground.stopAtInput).toHaveAttribute('aria-invalid', 'true');
    await expect(playground.trainButton).toBeDisabled();
  }
  await playground.stopAtInput.fill('');
  await expect(error).toHaveText('Stop at step is empty; enter a whole number of steps from 0 to 1,000,000 (0 means never).');
  await playground.trainTo(3);
  await expect(error).toHaveCount(0);
});

test('Autosave refuses 0.001 s and 5000 s with a sentence, and accepts 0 (only on Pause) and 10', async ({ playground, page }) => {
  await playground.open('?backend=cpu');
  const error = page.locator('#autosave-error');
  for (const bad of ['0.001', '0.5', '5000', 'soon']) {
    await playground.autosaveInput.fill(bad);
    await expect(error).toHaveText(`Autosave must be a number of seconds from 1 to 3600, or 0 to save only on Pause; "${bad}" is not.`);
    await expect(playground.autosaveInput).toHaveAttribute('aria-invalid', 'true');
  }
  for (const good of ['0', '10']) {
    await playground.autosaveInput.fill(good);
    await expect(error).toHaveCount(0);
    await expect(playground.autosaveInput).toHaveAttribute('aria-invalid', 'false');
  }
});

test('Train and Step are off while a field is invalid, say why, and come back when it is fixed', async ({ playground, page }) => {
  await playground.open('?backend=cpu');
  const reason = page.getByTestId('train-blocked');
  await playground.setField('Learning rate', 'fast');
  await expect(playground.trainButton).toBeDisabled();
  await expect(playground.stepButton).toBeDisabled();
  await expect(reason).toHaveText('Train and Step are off until this is fixed: Learning rate must be a number from 0.000001 to 10; "fast" is not a number.');
  // Screen readers hear the reason with the button.
  await expect(playground.trainButton).toHaveAccessibleDescription(/^Train and Step are off until this is fixed/);

  await playground.setField('Learning rate', '0.03');
  await expect(reason).toHaveCount(0);
  await playground.autosaveInput.fill('0.001');
  await expect(playground.trainButton).toBeDisabled();
  await expect(reason).toContainText('Autosave must be a number of seconds from 1 to 3600');
  await playground.autosaveInput.fill('30');
  await expect(playground.trainButton).toBeEnabled();
  await playground.trainTo(2);
});

test('Pause stays available while a field is invalid during training', async ({ playground }) => {
  await playground.open('?backend=cpu');
  await playground.trainButton.click();
  await expect(playground.pauseButton).toBeVisible();
  await playground.setField('Batch size', '0');
  await expect(playground.pauseButton).toBeEnabled();
  await playground.pauseButton.click();
  await expect(playground.trainButton).toBeDisabled();
});

test('the step axis of the loss chart has whole-number ticks in the first steps', async ({ playground }) => {
  await playground.open('?backend=cpu');
  for (const steps of [2, 3, 7]) {
    await playground.trainTo(steps);
    await expect(playground.chart).toHaveAttribute('data-points', String(steps));
    await expect(playground.chart).toHaveAttribute('data-step-ticks', /^\d+(,\d+)*$/);
  }
});

test('the checkpoint list and the Resume offer name the loss they show: the test loss, as in the Test loss readout', async ({ playground, page }) => {
  await playground.open('?backend=cpu');
  await playground.trainTo(25);
  await playground.expectSaved(25);
  const testLoss = await page.getByTestId('test-loss').textContent();
  await expect(playground.checkpointRows.first().getByTestId('checkpoint-loss')).toHaveText(`${testLoss} test`);

  await page.reload();
  await expect(playground.resumeOffer).toBeVisible();
  await expect(page.getByTestId('resume-loss')).toHaveText(`test loss ${testLoss}`);
});
