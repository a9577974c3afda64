import { fileURLToPath } from 'node:url';
import { test, expect } from './fixtures.ts';

/** The README's pictures. `npm run screenshot` refreshes them in docs/; plain runs write to test-results. */
const docsPath = (name: string) => fileURLToPath(new URL(`../../docs/${name}`, import.meta.url));

test('the README screenshot: the spiral after 200 steps on WebGPU', async ({ playground, page }, testInfo) => {
  await page.setViewportSize({ width: 1360, height: 820 });
  await playground.open();
  await expect(playground.backend).toHaveText('webgpu');
  await playground.trainTo(200);
  await expect(page.getByTestId('decision-boundary')).toBeVisible();
  const path = process.env.UPDATE_SCREENSHOT ? docsPath('screenshot.png') : testInfo.outputPath('screenshot.png');
  await page.screenshot({ path });
});

test.describe('on a phone', () => {
  test.use({ viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true, deviceScaleFactor: 2 });

  test('the README phone screenshot: Train, the readouts and the chart on the first screen', async ({ playground, page }, testInfo) => {
    await playground.open();
    await expect(playground.backend).toHaveText('webgpu');
    await playground.trainTo(200);
    await expect(playground.trainButton).toBeInViewport();
    const path = process.env.UPDATE_SCREENSHOT ? docsPath('screenshot-phone.png') : testInfo.outputPath('screenshot-phone.png');
    await page.screenshot({ path });
  });
});

test('the README comparison screenshot: two spiral runs at learning rates 0.03 and 0.3 on WebGPU', async ({ playground, page }, testInfo) => {
  await page.setViewportSize({ width: 1360, height: 820 });
  await playground.open();
  await expect(playground.backend).toHaveText('webgpu');
  await playground.trainTo(300);
  await playground.expectSaved(300, 'pause');
  await playground.setField('Learning rate', '0.3');
  await playground.resetButton.click();
  await expect(playground.stepReadout).toHaveText('0');
  await playground.trainTo(300);
  await playground.expectSaved(300, 'pause');
  const storage = page.getByRole('region', { name: 'Storage' });
  await storage.locator('summary').click();
  for (const box of await storage.getByRole('checkbox', { name: /^Compare / }).all()) await box.check();
  await storage.getByRole('button', { name: 'Compare', exact: true }).click();
  await expect(page.getByTestId('comparison-chart')).toHaveAttribute('data-series', '2');
  const path = process.env.UPDATE_SCREENSHOT ? docsPath('screenshot-compare.png') : testInfo.outputPath('screenshot-compare.png');
  await page.getByTestId('comparison').screenshot({ path });
});

test('the README Text screenshot: a small transformer writing city names', async ({ playground, page }, testInfo) => {
  // The README's picture needs samples that look like names: a few hundred steps, minutes on
  // this CPU. Plain test runs stop after 20 steps and check only that the Samples panel and the
  // attention picture are drawn. The default model (2 × 64) takes a few minutes on a laptop GPU;
  // one block of width 32 at a higher learning rate gets there on the CPU of a test machine.
  const steps = process.env.UPDATE_SCREENSHOT ? 300 : 20;
  test.setTimeout(process.env.UPDATE_SCREENSHOT ? 600_000 : 120_000);
  await page.setViewportSize({ width: 1360, height: 1000 });
  await playground.open('?backend=cpu');
  await playground.choose('Demo', 'Text');
  await expect(playground.trainButton).toBeEnabled();
  for (const [label, value] of [['Layers', '1'], ['Width', '32'], ['Context', '16'], ['Learning rate', '0.01'], ['Warm-up steps', '20']]) {
    await playground.setField(label, value);
    await expect(playground.trainButton).toBeEnabled();
  }
  await playground.stopAtInput.fill(String(steps));
  await playground.trainButton.click();
  await expect(playground.stepReadout).toHaveText(String(steps), { timeout: 550_000 });
  await expect(page.getByTestId('sample')).toHaveAttribute('data-step', String(steps));
  await expect(page.getByRole('img', { name: 'Layer 1, head 4: attention of each character to the earlier ones' })).toBeVisible();
  const path = process.env.UPDATE_SCREENSHOT ? docsPath('screenshot-text.png') : testInfo.outputPath('screenshot-text.png');
  await page.screenshot({ path });
});
