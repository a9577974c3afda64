import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { test, expect, type PlaygroundPage } from './fixtures.ts';

/** Runs axe on the whole page and fails with one line per violation and the elements it found. */
async function expectNoAxeViolations(page: Page, state: string) {
  const { violations } = await new AxeBuilder({ page }).analyze();
  const report = violations.map((v) => `${v.id} (${v.impact}, ${v.nodes.length} elements): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).slice(0, 5).join(', ')}`);
  // Soft: one run reports every state's violations, not just the first state's.
  expect.soft(report, `axe found accessibility violations ${state}; fix each element listed.`).toEqual([]);
}

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

test('Tab reaches Train within five presses of loading the page', async ({ playground, page }) => {
  await playground.open('?backend=cpu');
  let presses = 0;
  for (; presses < 40; presses++) {
    const focused = await page.evaluate(() => document.activeElement?.textContent?.trim() ?? '');
    if (focused === 'Train') break;
    await page.keyboard.press('Tab');
  }
  expect(presses, `Train should be reached within 5 Tab presses from page load; it took ${presses}.`).toBeLessThanOrEqual(5);
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
