import { test, expect } from '@playwright/test';

test('the harness exposes the library and WebGPU is available', async ({ page }) => {
  await page.goto('/test/browser/harness.html');
  await page.waitForFunction(() => window.lib !== undefined);
  const hasAdapter = await page.evaluate(async () => Boolean(await navigator.gpu?.requestAdapter()));
  expect(hasAdapter).toBe(true);
});
