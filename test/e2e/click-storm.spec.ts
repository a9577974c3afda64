// Issue 15 (1): on a slow GPU every click used to queue behind the ones before it, and the
// page went on changing by itself for 44 s after 200 quick clicks. Commands now collapse:
// a control whose command is in flight sends nothing more.
import { test, expect } from './fixtures.ts';

/** Runs in the page: `count` clicks on Train/Pause, Step, Reset and Save, one every `gapMs`, chosen by a seeded generator. */
function clickStorm({ count, gapMs, seed }: { count: number; gapMs: number; seed: number }): Promise<Record<string, number>> {
  const names = ['Train', 'Pause', 'Step', 'Reset', 'Save checkpoint'];
  let state = seed;
  const random = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
  const clicked: Record<string, number> = {};
  return new Promise((resolve) => {
    let left = count;
    const tick = () => {
      const name = names[Math.floor(random() * names.length)];
      const button = [...document.querySelectorAll('button')].find((b) => b.textContent?.trim() === name);
      // A disabled button ignores the click, as it does for a user.
      button?.click();
      clicked[name] = (clicked[name] ?? 0) + 1;
      if (--left === 0) resolve(clicked);
      else setTimeout(tick, gapMs);
    };
    tick();
  });
}

test('200 random clicks in 10 s on WebGPU: the page settles, in a state the worker confirms, and the next click does what it says', async ({ playground, page }) => {
  test.setTimeout(180_000);
  await playground.open();
  await expect(playground.backend).toHaveText('webgpu');
  const controls = page.getByTestId('controls');

  const clicked = await page.evaluate(clickStorm, { count: 200, gapMs: 50, seed: 7 });
  const stormEnded = Date.now();
  // Settled: no command in flight, and training neither starting nor stopping.
  await expect(controls).toHaveAttribute('data-pending', '0');
  const settleMs = Date.now() - stormEnded;
  test.info().annotations.push({ type: 'settle', description: `${settleMs} ms after the last of ${JSON.stringify(clicked)} clicks` });
  console.log(`click storm settled ${settleMs} ms after the last click (${JSON.stringify(clicked)})`);

  await test.step('whatever state it settled in, Pause (if training) stops the counter, and Step adds exactly one', async () => {
    if (await playground.pauseButton.isVisible()) {
      await playground.pauseButton.click();
      await expect(playground.trainButton).toBeVisible();
      await expect(controls).toHaveAttribute('data-pending', '0');
    }
    const before = await playground.stepCount();
    await playground.stepButton.click();
    await expect(playground.stepReadout).toHaveText(String(before + 1));
    await expect(controls).toHaveAttribute('data-pending', '0');
    // Nothing queued earlier moves it any further.
    await playground.saveButton.click();
    await playground.expectSaved(before + 1, 'manual');
    expect(await playground.stepCount()).toBe(before + 1);
  });
});
