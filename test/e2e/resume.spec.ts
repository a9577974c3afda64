import { test, expect, openProfile, type LossRow } from './fixtures.ts';

/**
 * Train 2k steps without stopping, versus k steps, save, close the browser, reopen the same
 * profile, resume and train to 2k. The per-step training losses must agree.
 */
async function straightAndResumed(
  outputPath: (name: string) => string,
  baseURL: string,
  { query, optimizer, k }: { query: string; optimizer: string; k: number },
): Promise<{ straight: LossRow[]; resumed: LossRow[] }> {
  const straight = await test.step('train 2k steps without stopping', async () => {
    const { context, playground } = await openProfile(outputPath('straight'), baseURL);
    await playground.open(query);
    await playground.choose('Optimizer', optimizer);
    await playground.trainTo(2 * k);
    const rows = await playground.downloadLosses();
    await context.close();
    return rows;
  });

  const profile = outputPath('interrupted');
  await test.step('train k steps, save on pause, close the browser', async () => {
    const { context, playground } = await openProfile(profile, baseURL);
    await playground.open(query);
    await playground.choose('Optimizer', optimizer);
    await playground.trainTo(k);
    await playground.expectSaved(k, 'pause');
    await context.close();
  });

  const resumed = await test.step('reopen the profile, resume and train to 2k', async () => {
    const { context, playground } = await openProfile(profile, baseURL);
    await playground.open(query);
    await expect(playground.resumeOffer).toContainText(`step ${k}`);
    await playground.resumeButton.click();
    await expect(playground.stepReadout).toHaveText(String(k));
    await expect(playground.chart).toHaveAttribute('data-points', String(k));
    await playground.trainTo(2 * k);
    const rows = await playground.downloadLosses();
    await context.close();
    return rows;
  });
  return { straight, resumed };
}

for (const optimizer of ['Adam', 'SGD with momentum']) {
  test(`on the CPU, a resumed run's losses are bit-identical to an uninterrupted one (${optimizer})`, async ({ baseURL }, testInfo) => {
    const k = 40;
    const { straight, resumed } = await straightAndResumed((name) => testInfo.outputPath(name), baseURL!, { query: '?backend=cpu', optimizer, k });
    expect(straight).toHaveLength(2 * k);
    expect(resumed).toHaveLength(2 * k);
    // Every step after k, compared as text: equal strings are equal float32 bits.
    expect(resumed.slice(k)).toEqual(straight.slice(k));
    // The restored history (steps 1..k) is the one that was saved.
    expect(resumed.slice(0, k)).toEqual(straight.slice(0, k));
  });
}

for (const optimizer of ['Adam', 'SGD with momentum']) {
  test(`on WebGPU's fused kernels, a resumed run's losses are bit-identical to an uninterrupted one (${optimizer})`, async ({ baseURL }, testInfo) => {
    const k = 40;
    const { straight, resumed } = await straightAndResumed((name) => testInfo.outputPath(name), baseURL!, { query: '', optimizer, k });
    expect(resumed).toHaveLength(2 * k);
    expect(resumed.slice(k)).toEqual(straight.slice(k));
  });

  test(`on WebGPU with TensorFlow.js ops, a resumed run agrees with an uninterrupted one within 1e-5 relative (${optimizer})`, async ({ baseURL }, testInfo) => {
    const k = 12;
    const { straight, resumed } = await straightAndResumed((name) => testInfo.outputPath(name), baseURL!, { query: '?kernels=tfjs', optimizer, k });
    expect(resumed).toHaveLength(2 * k);
    for (let i = k; i < 2 * k; i++) {
      const a = Number(straight[i].trainLoss);
      const b = Number(resumed[i].trainLoss);
      expect(Math.abs(a - b) / Math.abs(a), `step ${i + 1}: ${a} vs ${b}`).toBeLessThanOrEqual(1e-5);
    }
  });
}

test('autosave saves on the interval while training, and on Pause', async ({ playground }) => {
  await playground.open('?backend=cpu');
  await playground.autosaveInput.fill('1');
  await playground.trainButton.click();
  await expect(playground.saveStatus).toHaveText(/^Saved step \d+ \(autosave\)\.$/, { timeout: 30_000 });
  await playground.pauseButton.click();
  await expect(playground.saveStatus).toHaveText(/^Saved step \d+ \(pause\)\.$/);
  const step = await playground.stepCount();
  await playground.expectSaved(step, 'pause');
  await expect(playground.checkpointRows.first()).toHaveAttribute('data-step', String(step));
});

test('the Save checkpoint button saves at once, and the list shows step, time, loss and size', async ({ playground }) => {
  await playground.open('?backend=cpu');
  await playground.trainTo(15);
  await playground.expectSaved(15, 'pause');
  await playground.stepButton.click();
  await expect(playground.stepReadout).toHaveText('16');
  await playground.saveButton.click();
  await playground.expectSaved(16, 'manual');
  await expect(playground.checkpointRows).toHaveCount(2);
  const newest = playground.checkpointRows.first();
  await expect(newest).toHaveAttribute('data-step', '16');
  await expect(newest).toContainText('just now');
  await expect(newest).toContainText(/\d\.\d{4}/);
  await expect(newest).toContainText(/KB|bytes/);
});

test('after a reload, Resume restores the step, the loss and the chart', async ({ playground, page }) => {
  await playground.open('?backend=cpu');
  await playground.trainTo(25);
  await playground.expectSaved(25, 'pause');
  const loss = await playground.lossReadout.getAttribute('data-value');

  await page.reload();
  await playground.open('?backend=cpu');
  await expect(playground.stepReadout).toHaveText('0');
  await expect(playground.resumeOffer).toContainText('step 25');
  await expect(playground.resumeOffer).toContainText('just now');
  await playground.resumeButton.click();
  await expect(playground.stepReadout).toHaveText('25');
  await expect(playground.lossReadout).toHaveAttribute('data-value', loss!);
  await expect(playground.chart).toHaveAttribute('data-points', '25');
  await expect(playground.resumeOffer).toHaveCount(0);
});

test('the Resume offer’s “saved … ago” keeps up while the page stays open', async ({ playground, page }) => {
  await playground.open('?backend=cpu');
  await playground.trainTo(5);
  await playground.expectSaved(5, 'pause');
  // The page's clock only (the worker that stamped the save keeps real time): jump ahead.
  await page.clock.install();
  await page.reload();
  await playground.open('?backend=cpu');
  await expect(playground.resumeOffer).toContainText('just now');
  await page.clock.fastForward('05:00');
  await expect(playground.resumeOffer).toContainText('5 minutes ago');
  await page.clock.fastForward('02:00:00');
  await expect(playground.resumeOffer).toContainText('2 hours ago');
});

test('Start new keeps the old run available', async ({ playground, page }) => {
  await playground.open('?backend=cpu');
  await playground.trainTo(10);
  await playground.expectSaved(10, 'pause');
  await page.reload();
  await playground.open('?backend=cpu');
  await playground.startNewButton.click();
  await expect(playground.resumeOffer).toHaveCount(0);
  await playground.trainTo(5);
  await playground.expectSaved(5, 'pause');
  // Both runs are kept: the newer is offered, and the older can still be restored.
  await page.reload();
  await playground.open('?backend=cpu');
  await expect(playground.resumeOffer).toContainText('step 5');
  const runs = page.getByTestId('stored-run');
  await expect(runs).toHaveCount(2);
  await page.getByRole('region', { name: 'Storage' }).locator('summary').click();
  await runs.locator('li', { hasText: 'step 10' }).getByRole('button', { name: 'Restore' }).click();
  await expect(playground.stepReadout).toHaveText('10');
});

test('a second tab shows a run read-only while the first trains it, and can take it over', async ({ context }) => {
  const { PlaygroundPage } = await import('./fixtures.ts');
  const first = new PlaygroundPage(await context.newPage());
  await first.open('?backend=cpu');
  await first.trainTo(20);
  await first.expectSaved(20, 'pause');

  const second = new PlaygroundPage(await context.newPage());
  await second.open('?backend=cpu');
  await second.resumeButton.click();
  await expect(second.readOnly).toContainText('open for training in another tab');
  await expect(second.stepReadout).toHaveText('20');
  await expect(second.trainButton).toBeDisabled();

  await test.step('the lists stay in sync: a save in the first tab shows in the second', async () => {
    await first.stepButton.click();
    await first.saveButton.click();
    await first.expectSaved(21, 'manual');
    await expect(second.checkpointRows.first()).toHaveAttribute('data-step', '21');
  });

  await test.step('taking over moves the lock to the second tab', async () => {
    await second.takeOverButton.click();
    await expect(second.readOnly).toHaveCount(0);
    await expect(second.trainButton).toBeEnabled();
    await expect(first.readOnly).toContainText('Another tab took over this run');
    await expect(first.trainButton).toBeDisabled();
  });

  await test.step('the second tab now trains the run and saves it', async () => {
    await second.stepButton.click();
    await expect(second.stepReadout).toHaveText('22');
    await second.saveButton.click();
    await second.expectSaved(22, 'manual');
    await expect(first.checkpointRows.first()).toHaveAttribute('data-step', '22');
  });
});

test('a diverging loss pauses training with a message naming the step, and nothing is saved', async ({ playground }) => {
  await playground.open('?backend=cpu');
  await playground.choose('Demo', 'Curve fitting');
  await playground.choose('Optimizer', 'SGD');
  await playground.setField('Learning rate', '10');
  await playground.trainButton.click();
  await expect(playground.notice).toHaveText(/^The loss became NaN or infinite at step \d+\. Lower the learning rate/);
  await expect(playground.trainButton).toBeVisible();
  const step = Number((await playground.notice.textContent())!.match(/at step (\d+)/)![1]);
  expect(await playground.stepCount()).toBeGreaterThanOrEqual(step);
  // A Save click is answered after the loop has ended and any save of its own has finished:
  // its refusal is the event after which "nothing was saved" can be checked.
  await playground.saveButton.click();
  await expect(playground.notice).toHaveText(/^Nothing was saved: the loss is NaN or infinite at step \d+/);
  await expect(playground.saveStatus).not.toHaveText(/Saved/);
  await expect(playground.checkpointRows).toHaveCount(0);
});

test('a lost WebGPU device stops training and resumes from the last checkpoint on the fallback backend', async ({ playground, page }) => {
  await playground.open('?debug');
  await expect(playground.backend).toHaveText('webgpu');
  await playground.trainTo(8);
  await playground.expectSaved(8, 'pause');
  await page.evaluate(() => (window as unknown as { playground: { simulateDeviceLoss(): void } }).playground.simulateDeviceLoss());
  const lost = page.getByTestId('device-lost');
  await expect(lost).toContainText('The GPU device was lost');
  await expect(playground.trainButton).toBeDisabled();
  await page.getByRole('button', { name: 'Resume on fallback backend' }).click();
  await expect(playground.backend).toHaveText(/^(webgl|cpu)$/);
  await expect(playground.backendReason).toContainText('device was lost');
  await expect(playground.stepReadout).toHaveText('8');
  await playground.trainTo(10);
});
