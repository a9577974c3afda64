import { test, expect } from './fixtures.ts';

test('every request of a session goes to the app’s own origin', async ({ context, page, playground, baseURL }) => {
  const requests: string[] = [];
  context.on('request', (request) => requests.push(request.url()));
  await playground.open();
  await playground.trainTo(5);
  await playground.expectSaved(5, 'pause');
  await playground.choose('Demo', 'Handwritten digits');
  await expect(page.getByTestId('digit-samples')).toBeVisible();
  await playground.stepButton.click();
  await expect(playground.stepReadout).toHaveText('1');
  await playground.choose('Demo', 'Curve fitting');
  await playground.stepButton.click();
  await page.getByRole('button', { name: 'Copy link' }).click();
  await page.reload();
  await playground.open();

  const origin = new URL(baseURL!).origin;
  const foreign = requests.filter((url) => !url.startsWith(`${origin}/`) && !url.startsWith('blob:') && !url.startsWith('data:'));
  expect(requests.length).toBeGreaterThan(5);
  expect(requests.some((url) => url.endsWith('/data/mnist.bin'))).toBe(true);
  expect(foreign).toEqual([]);
});

test('the built page carries a Content-Security-Policy that allows only its own origin', async ({ page }) => {
  await page.goto('/');
  const policy = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
  expect(policy).toContain("default-src 'self'");
  expect(policy).toContain("script-src 'self'");
  expect(policy).toContain("connect-src 'self'");
  expect(policy).not.toMatch(/https?:|unsafe-eval/);
});

test('after the first visit the app works offline: reload, train and resume', async ({ context, page, playground }) => {
  await playground.open('?backend=cpu');
  await test.step('the service worker takes control and precaches the app', async () => {
    await page.evaluate(() => navigator.serviceWorker.ready);
    await expect.poll(() => page.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true);
  });
  await playground.trainTo(12);
  await playground.expectSaved(12, 'pause');

  await context.setOffline(true);
  await page.reload();
  await playground.open('?backend=cpu');
  await expect(playground.resumeOffer).toContainText('step 12');
  await playground.resumeButton.click();
  await expect(playground.stepReadout).toHaveText('12');
  await playground.trainTo(20);
  await playground.expectSaved(20, 'pause');
  await test.step('the digits asset comes from the cache too', async () => {
    await playground.choose('Demo', 'Handwritten digits');
    await expect(page.getByTestId('digit-samples')).toBeVisible();
  });
});
