// Issue 15 (7): two tabs each start a run. Each gets its own name, and after a reload each
// tab is offered its own run, not the other tab's newer one; nor does the offer pop up
// mid-session for the run one has just left.
import { test, expect } from './fixtures.ts';
import { PlaygroundPage } from './fixtures.ts';

test('two tabs: distinct run names, each reload offers the tab its own run, and leaving a run offers nothing', async ({ context }) => {
  const a = new PlaygroundPage(await context.newPage());
  const b = new PlaygroundPage(await context.newPage());
  await a.open('?backend=cpu');
  await b.open('?backend=cpu');
  await a.trainTo(30);
  await a.expectSaved(30, 'pause');
  // B saves later, so B's run is the newest in the store.
  await b.trainTo(20);
  await b.expectSaved(20, 'pause');


  await test.step('a reload offers tab A its own run at step 30', async () => {
    await a.page.reload();
    await a.open('?backend=cpu');
    await expect(a.resumeOffer).toContainText('step 30');
  });

  await test.step('the two runs have different names', async () => {
    const offered = await a.page.getByTestId('resume-run-name').textContent();
    await b.page.reload();
    await b.open('?backend=cpu');
    await expect(b.resumeOffer).toContainText('step 20');
    const offeredToB = await b.page.getByTestId('resume-run-name').textContent();
    expect(offered).toMatch(/^Spiral · MLP 16-16 · Adam 0\.03 · [0-9a-f]{4}$/);
    expect(offeredToB).not.toBe(offered);
  });

  await test.step('resuming, then starting a new run, does not bring the offer back for the run just left', async () => {
    await a.resumeButton.click();
    await expect(a.stepReadout).toHaveText('30');
    await a.resetButton.click();
    await expect(a.stepReadout).toHaveText('0');
    await a.stepButton.click();
    await expect(a.stepReadout).toHaveText('1');
    await a.saveButton.click();
    await a.expectSaved(1, 'manual');
    await expect(a.resumeOffer).toHaveCount(0);
  });
});
