import type { Page } from '@playwright/test';
import { test, expect, expectNoAxeViolations, type PlaygroundPage } from './fixtures.ts';

const demos: { name: string; train: number; picture: string }[] = [
  { name: '2D classification', train: 30, picture: 'decision-boundary' },
  { name: 'Handwritten digits', train: 10, picture: 'confusion-matrix' },
  { name: 'Curve fitting', train: 30, picture: 'curve-fit' },
];

async function openDemo(playground: PlaygroundPage, name: string) {
  await playground.open('?backend=cpu');
  if (name !== '2D classification') {
    await playground.choose('Demo', name);
    await expect(playground.settings.getByLabel('Demo', { exact: true })).toHaveValue(name === 'Handwritten digits' ? 'digits' : 'curve');
    await expect(playground.trainButton).toBeEnabled();
  }
}

for (const demo of demos) {
  test(`axe finds no violations on ${demo.name}, before and after training`, async ({ playground, page }) => {
    await openDemo(playground, demo.name);
    await test.step('before training', () => expectNoAxeViolations(page, `on ${demo.name} before training`));
    await test.step('after training', async () => {
      await playground.trainTo(demo.train);
      await playground.expectSaved(demo.train);
      await expect(page.getByTestId(demo.picture)).toBeVisible();
      await expect(playground.checkpointRows.first()).toBeVisible();
      await expectNoAxeViolations(page, `on ${demo.name} after ${demo.train} steps`);
    });
  });
}

test('axe finds no violations with an invalid field, an open explanation and the storage panel open', async ({ playground, page }) => {
  await playground.open('?backend=cpu');
  await playground.trainTo(5);
  await playground.setField('Learning rate', 'abc');
  await expect(playground.field('Learning rate')).toHaveAttribute('aria-invalid', 'true');
  await page.getByRole('button', { name: 'About Learning rate' }).click();
  await page.getByText(/^Storage:/).click();
  await expectNoAxeViolations(page, 'with an invalid field, an open "?" and the storage panel open');
});

/** Presses Tab from a fresh page load until Train has focus; returns how many presses it took. */
async function tabsToTrain(page: Page): Promise<number> {
  let presses = 0;
  for (; presses < 40; presses++) {
    const focused = await page.evaluate(() => document.activeElement?.textContent?.trim() ?? '');
    if (focused === 'Train') break;
    await page.keyboard.press('Tab');
  }
  return presses;
}

test('Tab reaches Train within five presses of loading the page, with or without a Resume offer', async ({ playground, page }) => {
  await playground.open('?backend=cpu');
  const first = await tabsToTrain(page);
  expect(first, `Train should be reached within 5 Tab presses from page load; it took ${first}.`).toBeLessThanOrEqual(5);

  await playground.trainTo(3);
  await playground.expectSaved(3);
  await page.reload();
  await expect(playground.resumeOffer).toBeVisible();
  await expect(playground.trainButton).toBeEnabled();
  const withOffer = await tabsToTrain(page);
  expect(withOffer, `With the Resume offer shown, Train should still be within 5 Tab presses; it took ${withOffer}.`).toBeLessThanOrEqual(5);
});

test('the page has a skip link to the training controls and a heading for every panel', async ({ playground, page }) => {
  await playground.open('?backend=cpu');
  await page.keyboard.press('Tab');
  const skip = page.getByRole('link', { name: 'Skip to training controls' });
  await expect(skip).toBeFocused();
  await page.keyboard.press('Enter');
  await page.keyboard.press('Tab');
  await expect(playground.trainButton).toBeFocused();
  for (const name of ['Training', 'Settings', 'Share', 'Checkpoints', 'What the network learned']) {
    await expect(page.getByRole('heading', { name, exact: true })).toBeVisible();
  }
});

test('the loss chart has a text alternative with its latest values and the CSV of its history', async ({ playground, page }) => {
  await playground.open('?backend=cpu');
  await playground.trainTo(20);
  const chart = page.getByRole('img', { name: /^Loss chart/ });
  const testLoss = await page.getByTestId('test-loss').textContent();
  await expect(chart).toHaveAccessibleName(new RegExp(`^Loss chart: train loss [0-9.]+ at step 20 and test loss ${testLoss} at step 20\\.$`));
  const rows = await playground.downloadLosses();
  expect(rows).toHaveLength(20);
});

test('a digit can be drawn with the keyboard alone', async ({ playground, page }) => {
  await playground.open('?backend=cpu');
  await playground.choose('Demo', 'Handwritten digits');
  await expect(playground.trainButton).toBeEnabled();
  await playground.trainTo(5);
  const canvas = page.getByRole('application', { name: /Drawing pad/ });
  await canvas.focus();
  await expect(canvas).toBeFocused();
  // A vertical stroke, like a 1: pen down, move down, pen up.
  await page.keyboard.press('ArrowUp');
  await page.keyboard.press('Space');
  for (let i = 0; i < 6; i++) await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Space');
  await expect(page.getByTestId('drawn-prediction')).toHaveText(/^\d$/);
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('drawn-prediction')).toHaveCount(0);
});
