import { test, expect } from './fixtures.ts';

test('trains the spiral on WebGPU: the backend reads webgpu and 30 steps lower the loss', async ({ playground }) => {
  await playground.open();
  await expect(playground.backend).toHaveText('webgpu');
  await expect(playground.backendReason).toHaveCount(0);

  await test.step('one step gives a first loss', async () => {
    await playground.stepButton.click();
    await expect(playground.stepReadout).toHaveText('1');
  });
  const first = await playground.lossValue();

  await test.step('training pauses by itself at step 30', async () => {
    await playground.trainTo(30);
    await expect(playground.notice).toContainText('Paused at step 30');
  });
  const last = await playground.lossValue();
  expect(Number.isFinite(first)).toBe(true);
  expect(last).toBeLessThan(first);
});

test('on the CPU backend, two runs with the same seed give the same loss at step 30', async ({ playground, page }) => {
  await playground.open('?backend=cpu');
  await expect(playground.backend).toHaveText('cpu');
  await expect(playground.backendReason).toContainText('?backend=cpu');
  await playground.trainTo(30);
  const first = await playground.lossReadout.getAttribute('data-value');

  await page.reload();
  await playground.open('?backend=cpu');
  await playground.trainTo(30);
  const second = await playground.lossReadout.getAttribute('data-value');
  expect(first).toBeTruthy();
  expect(second).toBe(first);
});

test('Pause stops training, and Reset starts again from step 0 with the same seed', async ({ playground, page }) => {
  await playground.open('?backend=cpu');
  await playground.stepButton.click();
  await expect(playground.stepReadout).toHaveText('1');
  const firstLoss = await playground.lossReadout.getAttribute('data-value');

  await playground.trainButton.click();
  await expect(playground.pauseButton).toBeVisible();
  await expect.poll(() => playground.stepCount()).toBeGreaterThan(5);
  await playground.pauseButton.click();
  await expect(playground.trainButton).toBeVisible();
  const paused = await playground.stepCount();
  // Nothing announces "no more steps", so watch the counter for as long as six readback
  // rounds (150 ms each) would take: a loop that kept training would move it in the first.
  const changes = await page.evaluate(() => {
    const readout = document.querySelector('[data-testid="step"]')!;
    const seen: string[] = [];
    const observer = new MutationObserver(() => seen.push(readout.textContent ?? ''));
    observer.observe(readout, { childList: true, characterData: true, subtree: true });
    return new Promise<string[]>((resolve) => setTimeout(() => (observer.disconnect(), resolve(seen)), 6 * 150));
  });
  expect(changes).toEqual([]);
  expect(await playground.stepCount()).toBe(paused);

  await playground.resetButton.click();
  await expect(playground.stepReadout).toHaveText('0');
  await playground.stepButton.click();
  await expect(playground.stepReadout).toHaveText('1');
  expect(await playground.lossReadout.getAttribute('data-value')).toBe(firstLoss);
});
