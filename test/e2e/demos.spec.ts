import { test, expect } from './fixtures.ts';

const demos: { name: string; steps: number; picture: string }[] = [
  { name: '2D classification', steps: 150, picture: 'decision-boundary' },
  { name: 'Handwritten digits', steps: 60, picture: 'confusion-matrix' },
  { name: 'Curve fitting', steps: 150, picture: 'curve-fit' },
];

for (const demo of demos) {
  test(`${demo.name}: trains, the test loss falls, and it resumes from a checkpoint after a reload`, async ({ playground, page }) => {
    await playground.open('?backend=cpu');
    await playground.choose('Demo', demo.name);
    const testLoss = page.getByTestId('test-loss');
    await expect(testLoss).toHaveText(/^\d+\.\d{4}$/);
    const before = Number(await testLoss.textContent());

    await playground.trainTo(demo.steps);
    await expect(page.getByTestId(demo.picture)).toBeVisible();
    await expect.poll(async () => Number(await testLoss.textContent())).toBeLessThan(before * 0.8);
    await playground.expectSaved(demo.steps, 'pause');
    const loss = await playground.lossReadout.getAttribute('data-value');

    await page.reload();
    await playground.open('?backend=cpu');
    await playground.resumeButton.click();
    await expect(playground.field('Demo')).toHaveValue(demo.name === '2D classification' ? 'classify2d' : demo.name === 'Curve fitting' ? 'curve' : 'digits');
    await expect(playground.stepReadout).toHaveText(String(demo.steps));
    await expect(playground.lossReadout).toHaveAttribute('data-value', loss!);
    await expect(page.getByTestId(demo.picture)).toBeVisible();
    await playground.trainTo(demo.steps + 10);
  });
}

test('the digits demo classifies a digit drawn on the canvas and shows class probabilities', async ({ playground, page }) => {
  await playground.open('?backend=cpu');
  await playground.choose('Demo', 'Handwritten digits');
  await playground.trainTo(150);
  const canvas = page.getByTestId('draw-digit');
  const box = (await canvas.boundingBox())!;
  // A vertical stroke: a "1".
  await page.mouse.move(box.x + box.width / 2, box.y + box.height * 0.15);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width / 2, box.y + box.height * 0.85, { steps: 12 });
  await page.mouse.up();
  await expect(page.getByTestId('drawn-prediction')).toHaveText('1');
  await expect(page.getByTestId('digit-samples').locator('li')).toHaveCount(24);
});
