// Issue 15 (3, 4): switching demos used to snap the picker back for ~2 s while the old run
// could still be trained, and kept the old run's speed, learning rate and chart axis; and
// the page waited for shaders and data without a word.
import { test, expect } from './fixtures.ts';

/** Runs in the page before its scripts: records every text the loading line shows. */
function recordLoadingTexts(): void {
  const seen: string[] = [];
  (window as unknown as { loadingTexts: string[] }).loadingTexts = seen;
  new MutationObserver(() => {
    const text = document.querySelector('[data-testid="loading"]')?.textContent?.replace(/\s+/g, ' ').trim();
    if (text && seen.at(-1) !== text) seen.push(text);
  }).observe(document, { childList: true, characterData: true, subtree: true });
}

test('choosing another demo shows it at once: picker, readouts and chart belong to the new demo before its run is ready', async ({ playground, page }) => {
  await page.addInitScript(recordLoadingTexts);
  await playground.open('?backend=cpu');
  await playground.trainTo(40);
  await expect(page.getByTestId('steps-per-sec')).not.toHaveText('–');

  // Change the picker and read the page one frame later, long before the digits are loaded.
  const atOnce = await page.evaluate(async () => {
    const picker = document.querySelector<HTMLSelectElement>('#demo')!;
    picker.value = 'digits';
    picker.dispatchEvent(new Event('change', { bubbles: true }));
    await new Promise(requestAnimationFrame);
    const text = (id: string) => document.querySelector(`[data-testid="${id}"]`)?.textContent?.trim();
    const train = [...document.querySelectorAll('button')].find((b) => b.textContent?.trim() === 'Train')!;
    return {
      picker: picker.value,
      step: text('step'),
      stepsPerSec: text('steps-per-sec'),
      chartPoints: document.querySelector('[data-testid="loss-chart"]')?.getAttribute('data-points'),
      trainDisabled: train.disabled,
      learningRateField: document.querySelector<HTMLInputElement>('#field-learningRate')?.value,
    };
  });
  expect(atOnce).toEqual({ picker: 'digits', step: '0', stepsPerSec: '–', chartPoints: '0', trainDisabled: true, learningRateField: '0.002' });

  await test.step('the picker stays on the new demo while its run is set up, and the page says what it waits for', async () => {
    await expect(playground.trainButton).toBeEnabled({ timeout: 60_000 });
    await expect(playground.field('Demo')).toHaveValue('digits');
    const seen = await page.evaluate(() => (window as unknown as { loadingTexts: string[] }).loadingTexts);
    expect(seen.some((t) => t.startsWith('Loading 10,000 handwritten digits…'))).toBe(true);
    await expect(page.getByTestId('loading')).toHaveCount(0);
  });
});

test('on WebGPU the page says it is compiling shaders before the first run can train', async ({ playground, page }) => {
  await page.addInitScript(recordLoadingTexts);
  await playground.open();
  await expect(playground.backend).toHaveText('webgpu');
  const seen = await page.evaluate(() => (window as unknown as { loadingTexts: string[] }).loadingTexts);
  expect(seen).toContain('Compiling GPU shaders…');
  await expect(page.getByTestId('loading')).toHaveCount(0);
});
