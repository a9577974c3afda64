import { test, expect, expectNoAxeViolations, openProfile, type LossRow } from './fixtures.ts';
import { pickTinyText } from './text-support.ts';

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
  await expect(page.getByTestId('kernel-path')).toHaveText('· fused kernels');
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

/** How long a sample may take to appear: on a busy machine's SwiftShader, over 30 s. */
const SAMPLE_TIMEOUT = 120_000;

/**
 * Trains 2k steps without stopping, and k steps, a save on Pause, a closed browser, a reopened
 * profile, Resume and k more. Returns both loss histories; checks on the way that the sample at
 * the resumed step is the very text written before closing (sampling is seeded by seed and step).
 */
async function straightAndResumed(outputPath: (name: string) => string, baseURL: string, backend: 'cpu' | 'webgpu', k: number): Promise<{ straight: LossRow[]; resumed: LossRow[] }> {
  const query = backend === 'cpu' ? '?backend=cpu' : '';
  const straight = await test.step('train 2k steps without stopping', async () => {
    const { context, playground } = await openProfile(outputPath('straight'), baseURL);
    await playground.open(query);
    await expect(playground.backend).toHaveText(backend);
    await pickTinyText(playground);
    await playground.trainTo(2 * k);
    const rows = await playground.downloadLosses();
    await context.close();
    return rows;
  });
  const profile = outputPath('interrupted');
  const sampleAtK = await test.step('train k steps, save on pause, close the browser', async () => {
    const { context, page, playground } = await openProfile(profile, baseURL);
    await playground.open(query);
    await expect(playground.backend).toHaveText(backend);
    await pickTinyText(playground);
    await playground.trainTo(k);
    // The sample after Pause writes 80 characters, a forward pass and readback each: on SwiftShader that takes a while.
    await expect(page.getByTestId('sample')).toHaveAttribute('data-step', String(k), { timeout: SAMPLE_TIMEOUT });
    await playground.expectSaved(k, 'pause');
    const text = await page.getByTestId('sample').textContent();
    await context.close();
    return text;
  });
  const resumed = await test.step('reopen, resume and train to 2k', async () => {
    const { context, page, playground } = await openProfile(profile, baseURL);
    await playground.open(query);
    await expect(playground.backend).toHaveText(backend);
    await expect(playground.resumeOffer).toContainText(`step ${k}`);
    await playground.resumeButton.click();
    await expect(playground.stepReadout).toHaveText(String(k));
    await expect(page.getByTestId('sample')).toHaveAttribute('data-step', String(k), { timeout: SAMPLE_TIMEOUT });
    await expect(page.getByTestId('sample')).toHaveText(sampleAtK!);
    await playground.trainTo(2 * k);
    const rows = await playground.downloadLosses();
    await context.close();
    return rows;
  });
  return { straight, resumed };
}

test('on the CPU, a Text run resumed after closing the browser continues bit-identically', async ({ baseURL }, testInfo) => {
  // Three browsers, one after the other.
  test.setTimeout(300_000);
  const k = 15;
  const { straight, resumed } = await straightAndResumed((name) => testInfo.outputPath(name), baseURL!, 'cpu', k);
  expect(resumed).toHaveLength(2 * k);
  // Compared as text: equal strings are equal float32 bits.
  expect(resumed).toEqual(straight);
});

// On WebGPU the transformer trains in our fused kernels (src/lib/text/model/gpt-kernels/): every
// sum in a fixed order, so a resumed run is bit-identical too. (On TensorFlow.js's WebGPU ops
// two fresh runs differed by 1.3e-5 at step 5, which is why this test waited for the kernels.)
test('on WebGPU (fused kernels), a Text run resumed after closing the browser continues bit-identically', async ({ baseURL }, testInfo) => {
  // SwiftShader: three browsers, each compiling the kernels.
  test.setTimeout(600_000);
  const k = 15;
  const { straight, resumed } = await straightAndResumed((name) => testInfo.outputPath(name), baseURL!, 'webgpu', k);
  expect(resumed).toHaveLength(2 * k);
  expect(resumed).toEqual(straight);
});

test('a lost WebGPU device in the middle of a fused Text run falls back to the CPU and resumes from the last checkpoint', async ({ playground, page }) => {
  test.setTimeout(300_000);
  await playground.open('?debug');
  await pickTinyText(playground);
  await expect(playground.backend).toHaveText('webgpu');
  await expect(page.getByTestId('kernel-path')).toHaveText('· fused kernels');
  await playground.trainTo(8);
  await playground.expectSaved(8, 'pause');
  // Train on, and lose the device while the fused steps are running.
  await playground.stopAtInput.fill('100000');
  await playground.trainButton.click();
  await expect.poll(async () => Number(await playground.stepReadout.textContent()), { timeout: 60_000 }).toBeGreaterThan(10);
  await page.evaluate(() => (window as unknown as { playground: { simulateDeviceLoss(): void } }).playground.simulateDeviceLoss());
  await expect(page.getByTestId('device-lost')).toContainText('The GPU device was lost');
  await page.getByRole('button', { name: 'Resume on fallback backend' }).click();
  await expect(playground.backend).toHaveText(/^(webgl|cpu)$/);
  await expect(playground.backendReason).toContainText('device was lost');
  await expect(playground.stepReadout).toHaveText('8');
  await playground.trainTo(12);
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
