// Issue 15 (2): closing a tab mid-training used to lose everything since the last Pause
// (929 steps in one try), because autosave ran every 30 s. It now saves by cost: every few
// seconds for these demos, and on pagehide as far as the browser lets that finish.
import { test, expect, openProfile } from './fixtures.ts';

/** Training time a closed tab may cost, in seconds of training at the speed the page showed. */
const MAX_LOSS_SECONDS = 5;

for (const demo of ['2D classification', 'Handwritten digits', 'Curve fitting']) {
  test(`closing the browser mid-training loses at most ${MAX_LOSS_SECONDS} s of training: ${demo}`, async ({ baseURL }, testInfo) => {
    test.setTimeout(180_000);
    const profile = testInfo.outputPath('profile');
    const { context, playground } = await openProfile(profile, baseURL!);
    await playground.open();
    await playground.choose('Demo', demo);
    await expect(playground.trainButton).toBeEnabled({ timeout: 60_000 });
    await playground.trainButton.click();
    await expect(playground.pauseButton).toBeVisible();
    // Long enough for several autosaves, and for the speed readout to settle.
    await expect.poll(() => playground.stepCount(), { timeout: 60_000 }).toBeGreaterThan(0);
    await playground.page.waitForTimeout(8_000);
    const stepsPerSec = Number(await playground.page.getByTestId('steps-per-sec').textContent());
    const stepAtClose = await playground.stepCount();
    await context.close();

    const reopened = await openProfile(profile, baseURL!);
    await reopened.playground.open();
    await expect(reopened.playground.resumeOffer).toBeVisible();
    const offered = Number(await reopened.page.getByTestId('resume-step').textContent());
    await reopened.context.close();
    const lostSeconds = (stepAtClose - offered) / stepsPerSec;
    console.log(`${demo}: closed at step ${stepAtClose} (${stepsPerSec} steps/s), resume offers step ${offered}: ${lostSeconds.toFixed(2)} s lost`);
    testInfo.annotations.push({ type: 'lost', description: `${lostSeconds.toFixed(2)} s (${stepAtClose - offered} steps at ${stepsPerSec}/s)` });
    expect(offered).toBeGreaterThan(0);
    expect(lostSeconds).toBeLessThanOrEqual(MAX_LOSS_SECONDS);
  });
}
