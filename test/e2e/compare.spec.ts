import type { Page } from '@playwright/test';
import { test, expect, expectNoAxeViolations, PlaygroundPage } from './fixtures.ts';

/** The storage manager, opened: its run checkboxes and Compare button. */
async function openStorage(page: Page) {
  const storage = page.getByRole('region', { name: 'Storage' });
  if (!(await storage.locator('details').evaluate((details: HTMLDetailsElement) => details.open))) await storage.locator('summary').click();
  return storage;
}

/** Ticks every stored run and presses Compare. */
async function compareAll(page: Page, runs: number) {
  const storage = await openStorage(page);
  const boxes = storage.getByRole('checkbox', { name: /^Compare / });
  await expect(boxes).toHaveCount(runs);
  for (const box of await boxes.all()) await box.check();
  await storage.getByRole('button', { name: 'Compare', exact: true }).click();
}

test('two spiral runs with different learning rates, compared on one chart, and a link that hands out both', async ({ playground, page, browser, baseURL }) => {
  await playground.open('?backend=cpu');

  await test.step('train a run at learning rate 0.03, then a fresh one at 0.3', async () => {
    await playground.trainTo(20);
    await playground.expectSaved(20, 'pause');
    await playground.setField('Learning rate', '0.3');
    await playground.resetButton.click();
    await expect(playground.stepReadout).toHaveText('0');
    await playground.trainTo(20);
    await playground.expectSaved(20, 'pause');
  });

  const chart = page.getByTestId('comparison-chart');
  await test.step('compare them: two series, and a legend that names the learning-rate difference', async () => {
    await compareAll(page, 2);
    await expect(chart).toHaveAttribute('data-series', '2');
    await expect(page.getByTestId('comparison-differences')).toHaveText('What differs: learning rate 0.03 → 0.3');
    await expect(page.getByRole('list', { name: 'Runs in the chart' }).getByRole('listitem')).toHaveText([
      /Run 1 \(solid line\): .+ — learning rate 0\.03$/,
      /Run 2 \(dashed line\): .+ — learning rate 0\.3$/,
    ]);
    // The text alternative reads each run's latest losses off the chart.
    await expect(chart).toHaveAttribute('role', 'img');
    await expect(chart).toHaveAttribute('aria-label', /^Comparison chart of 2 runs: run 1, .+: train loss \d\.\d{4} at step 20, test loss \d\.\d{4} at step 20, test accuracy \d+\.\d%; run 2, .+\.$/);
    await expectNoAxeViolations(page, 'on the comparison view');
  });

  const url = await test.step('copy the comparison link', async () => {
    await page.getByRole('button', { name: 'Copy comparison link' }).click();
    const url = await page.getByTestId('comparison-link').inputValue();
    expect(url).toContain('#experiment=');
    return url;
  });

  await test.step('a student opens it: run 1 is set up, run 2 is offered, and both compare after training', async () => {
    // A fresh browser profile, as a student's would be: none of the teacher's runs are stored there.
    const context = await browser.newContext({ baseURL });
    const student = new PlaygroundPage(await context.newPage());
    await student.open(`?backend=cpu${new URL(url).hash}`);
    await expect(student.field('Learning rate')).toHaveValue('0.03');
    const offer = student.page.getByTestId('run-offer');
    await expect(offer).toContainText('Run 2 of 2: learning rate 0.3.');
    await student.trainTo(10);
    await student.expectSaved(10, 'pause');
    await offer.getByRole('button', { name: 'Set up run 2' }).click();
    await expect(student.field('Learning rate')).toHaveValue('0.3');
    await expect(student.stepReadout).toHaveText('0');
    await expect(student.page.getByTestId('run-offer-done')).toBeVisible();
    await student.trainTo(10);
    await student.expectSaved(10, 'pause');
    await compareAll(student.page, 2);
    await expect(student.page.getByTestId('comparison-chart')).toHaveAttribute('data-series', '2');
    await expect(student.page.getByTestId('comparison-differences')).toHaveText('What differs: learning rate 0.03 → 0.3');
    await context.close();
  });

  await test.step('a run whose checkpoints were deleted says so instead of drawing nothing', async () => {
    const storage = await openStorage(page);
    const second = storage.getByTestId('stored-run').first();
    await second.getByRole('button', { name: 'Delete', exact: true }).click();
    await expect(second).toContainText('0 checkpoints');
    await storage.getByRole('button', { name: 'Compare', exact: true }).click();
    await expect(page.getByTestId('comparison-problem')).toHaveText(/^“.+” has no checkpoint yet, so there is nothing to draw for it\.$/);
    await expect(chart).toHaveAttribute('data-series', '1');
  });
});
