import type { Page } from '@playwright/test';
import { test, expect, expectNoAxeViolations, type PlaygroundPage } from './fixtures.ts';

/** Fails when the page is wider than the screen, naming the widest elements that stick out. */
async function expectNoHorizontalOverflow(page: Page, state: string) {
  const { scrollWidth, innerWidth, culprits } = await page.evaluate(() => {
    const width = window.innerWidth;
    const culprits = [...document.querySelectorAll('body *')]
      .filter((element) => element.getBoundingClientRect().right > width + 0.5)
      .slice(0, 5)
      .map((element) => `${element.tagName.toLowerCase()}${element.className ? '.' + String(element.className).split(' ')[0] : ''}`);
    return { scrollWidth: document.scrollingElement!.scrollWidth, innerWidth: width, culprits };
  });
  expect(scrollWidth, `The page is ${scrollWidth} px wide on a ${innerWidth} px screen ${state}; these stick out: ${culprits.join(', ')}.`).toBeLessThanOrEqual(innerWidth);
}

/** Every visible control a finger can hit, smaller than 44 × 44 px; a checkbox counts by its label. */
async function smallTouchTargets(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const targets = document.querySelectorAll('button, select, summary, a[href], input:not([type="hidden"]):not([type="file"]), [role="application"]');
    const small: string[] = [];
    for (const control of targets) {
      const target = control instanceof HTMLInputElement && control.type === 'checkbox' ? (control.closest('label') ?? control) : control;
      const box = target.getBoundingClientRect();
      if (box.width === 0 || box.height === 0 || target.closest('.skip-link')) continue;
      if (box.width < 44 || box.height < 44) {
        const name = control.getAttribute('aria-label') ?? target.textContent?.trim().slice(0, 30) ?? '';
        small.push(`${control.tagName.toLowerCase()} "${name}" ${Math.round(box.width)}×${Math.round(box.height)}`);
      }
    }
    return small;
  });
}

/** Train must be on screen right after loading, without scrolling. */
async function expectTrainAboveTheFold(playground: PlaygroundPage) {
  const box = (await playground.trainButton.boundingBox())!;
  const height = playground.page.viewportSize()!.height;
  expect(box.y + box.height, `Train ends at y = ${Math.round(box.y + box.height)} px, below the ${height} px screen.`).toBeLessThanOrEqual(height);
  expect(await playground.page.evaluate(() => window.scrollY)).toBe(0);
}

const screens = [
  { name: 'a phone', viewport: { width: 390, height: 844 }, touch: true },
  { name: 'a tablet', viewport: { width: 768, height: 1024 }, touch: true },
];

for (const screen of screens) {
  test.describe(`on ${screen.name} (${screen.viewport.width}×${screen.viewport.height})`, () => {
    test.use({ viewport: screen.viewport, hasTouch: screen.touch, isMobile: screen.touch });

    test('Train is visible without scrolling, nothing overflows, and every touch target is at least 44 px', async ({ playground, page }) => {
      await playground.open('?backend=cpu');
      await expectTrainAboveTheFold(playground);
      await expectNoHorizontalOverflow(page, 'after loading');
      // The settings come after the training controls and the chart on a narrow screen.
      const settingsTop = (await playground.settings.boundingBox())!.y;
      expect(settingsTop).toBeGreaterThan((await playground.chart.boundingBox())!.y);
      // The teacher's panel and the storage manager have checkboxes and buttons too.
      await page.getByText('For teachers: hide settings in the link').click();
      await page.getByText(/^Storage:/).click();
      expect(await smallTouchTargets(page)).toEqual([]);
    });
  });
}

test.describe('on a 360 px phone', () => {
  test.use({ viewport: { width: 360, height: 740 }, hasTouch: true, isMobile: true });

  test('nothing overflows after the digits train: checkpoint table, digit grid and confusion matrix', async ({ playground, page }) => {
    await playground.open('?backend=cpu');
    await playground.choose('Demo', 'Handwritten digits');
    await expect(playground.trainButton).toBeEnabled();
    await playground.trainTo(10);
    await playground.expectSaved(10);
    await expect(page.getByTestId('confusion-matrix')).toBeVisible();
    await expect(page.getByTestId('digit-samples')).toBeVisible();
    await expect(playground.checkpointRows.first()).toBeVisible();
    // The storage manager lists the run with its own buttons.
    await page.getByText(/^Storage:/).click();
    await expect(page.getByTestId('stored-run')).toHaveCount(1);
    await expectNoHorizontalOverflow(page, 'after 10 steps of the digits');
    expect(await smallTouchTargets(page)).toEqual([]);
    await expectNoAxeViolations(page, 'on a 360 px phone after 10 steps of the digits');
  });
});
