import { fileURLToPath } from 'node:url';
import { test, expect } from './fixtures.ts';

/** The README's picture. `npm run screenshot` refreshes docs/screenshot.png; plain runs write to test-results. */
const README_SCREENSHOT = fileURLToPath(new URL('../../docs/screenshot.png', import.meta.url));

test('the README screenshot: the spiral after 200 steps on WebGPU', async ({ playground, page }, testInfo) => {
  await page.setViewportSize({ width: 1360, height: 820 });
  await playground.open();
  await expect(playground.backend).toHaveText('webgpu');
  await playground.trainTo(200);
  await expect(page.getByTestId('decision-boundary')).toBeVisible();
  const path = process.env.UPDATE_SCREENSHOT ? README_SCREENSHOT : testInfo.outputPath('screenshot.png');
  await page.screenshot({ path });
});
