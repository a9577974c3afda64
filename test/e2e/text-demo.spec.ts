import { test, expect, expectNoAxeViolations, openProfile, type PlaygroundPage } from './fixtures.ts';

/** A transformer small enough for a software GPU: 1 block, 2 heads, width 16, 16 characters of context. */
async function pickTinyText(playground: PlaygroundPage, text?: string) {
  // One change at a time: each starts a new run, and Train waits until it is set up.
  await playground.choose('Demo', 'Text');
  await expect(playground.trainButton).toBeEnabled({ timeout: 90_000 });
  for (const [label, value] of [['Layers', '1'], ['Width', '16'], ['Context', '16'], ['Warm-up steps', '5']]) {
    await playground.setField(label, value);
    await expect(playground.trainButton).toBeEnabled({ timeout: 90_000 });
  }
  if (text) await playground.choose('Text', text);
}

const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;

/** A text of about 900 characters, well over the 300 a run needs. */
const OWN_TEXT = 'Twinkle, twinkle, little star, how I wonder what you are. Up above the world so high, like a diamond in the sky.\n'.repeat(8);

test('the Text demo trains on WebGPU: the loss falls and the sample changes as it learns', async ({ playground, page }) => {
  // SwiftShader runs WebGPU on the CPU: each new run compiles its shaders, and each step is dozens of dispatches.
  test.setTimeout(400_000);
  await playground.open();
  await pickTinyText(playground);
  await expect(playground.backend).toHaveText('webgpu');
  const sample = page.getByTestId('sample');
  await expect(sample).toHaveAttribute('data-step', '0');
  const first = await sample.textContent();
  await playground.stopAtInput.fill('50');
  await playground.trainButton.click();
  await expect(playground.stepReadout).toHaveText('50', { timeout: 300_000 });
  await expect(sample).toHaveAttribute('data-step', '50');
  expect(await sample.textContent()).not.toBe(first);
  await expect(page.getByTestId('tokens-per-sec')).not.toHaveText('–');
  const losses = (await playground.downloadLosses()).map((row) => Number(row.trainLoss));
  expect(losses).toHaveLength(50);
  expect(mean(losses.slice(-10))).toBeLessThan(mean(losses.slice(0, 10)) - 0.3);
});

test('on the CPU, a Text run resumed after closing the browser continues bit-identically', async ({ baseURL }, testInfo) => {
  const k = 15;
  const straight = await test.step('train 2k steps without stopping', async () => {
    const { context, playground } = await openProfile(testInfo.outputPath('straight'), baseURL!);
    await playground.open('?backend=cpu');
    await pickTinyText(playground);
    await playground.trainTo(2 * k);
    const rows = await playground.downloadLosses();
    await context.close();
    return rows;
  });
  const profile = testInfo.outputPath('interrupted');
  const sampleAtK = await test.step('train k steps, save on pause, close the browser', async () => {
    const { context, page, playground } = await openProfile(profile, baseURL!);
    await playground.open('?backend=cpu');
    await pickTinyText(playground);
    await playground.trainTo(k);
    await playground.expectSaved(k, 'pause');
    await expect(page.getByTestId('sample')).toHaveAttribute('data-step', String(k));
    const text = await page.getByTestId('sample').textContent();
    await context.close();
    return text;
  });
  const resumed = await test.step('reopen, resume and train to 2k', async () => {
    const { context, page, playground } = await openProfile(profile, baseURL!);
    await playground.open('?backend=cpu');
    await expect(playground.resumeOffer).toContainText(`step ${k}`);
    await playground.resumeButton.click();
    await expect(playground.stepReadout).toHaveText(String(k));
    // Sampling is seeded by (seed, step): the same checkpoint and prompt write the same text.
    await expect(page.getByTestId('sample')).toHaveAttribute('data-step', String(k));
    await expect(page.getByTestId('sample')).toHaveText(sampleAtK!);
    await playground.trainTo(2 * k);
    const rows = await playground.downloadLosses();
    await context.close();
    return rows;
  });
  expect(resumed).toHaveLength(2 * k);
  expect(resumed).toEqual(straight);
});

test('pasted text trains, and is still there after a reload and Resume', async ({ playground, page }) => {
  await playground.open('?backend=cpu');
  await pickTinyText(playground, 'Your own text');
  const yourText = playground.field('Your text');
  await expect(playground.trainButton).toBeDisabled();
  await expect(playground.settings.getByRole('alert')).toContainText('Paste or drop your own text');
  await yourText.fill(OWN_TEXT);
  await yourText.blur();
  await expect(playground.settings.getByRole('alert')).toHaveCount(0);
  await expect(playground.trainButton).toBeEnabled();
  await playground.trainTo(10);
  await playground.expectSaved(10, 'pause');
  await expect(page.getByTestId('sample')).toHaveAttribute('data-step', '10');
  await expect(page.getByRole('img', { name: 'Layer 1, head 2: attention of each character to the earlier ones' })).toBeVisible();

  await page.reload();
  await expect(playground.resumeOffer).toContainText('step 10');
  await playground.resumeButton.click();
  await expect(playground.stepReadout).toHaveText('10');
  await expect(playground.field('Text')).toHaveValue('custom');
  await expect(playground.field('Your text')).toHaveValue(OWN_TEXT);
  await playground.trainTo(12);
});

test('bad text gets its sentence beside "Your text", and Train stays off', async ({ playground, page }) => {
  await playground.open('?backend=cpu');
  await playground.choose('Demo', 'Text');
  await expect(playground.trainButton).toBeEnabled();
  await playground.choose('Text', 'Your own text');
  const yourText = playground.field('Your text');
  const alert = playground.settings.getByRole('alert');

  await yourText.fill('Much too short.');
  await yourText.blur();
  await expect(alert).toHaveText('The text has 15 characters, but the model needs at least 300 to learn from and to hold some back for testing. Paste or drop a longer text.');
  await expect(playground.trainButton).toBeDisabled();

  await yourText.fill('\u0001\u0002\u0003'.repeat(200));
  await yourText.blur();
  await expect(alert).toContainText('This looks like a binary file, not text');
  await expect(playground.trainButton).toBeDisabled();
  await expectNoAxeViolations(page, 'on the Text demo with a refused text');
});
