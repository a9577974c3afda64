import { defaultConfig, type TrainConfig } from '../../src/lib/engine/config.ts';
import { experimentHash } from '../../src/lib/share/hash-state.ts';
import { test, expect, expectNoAxeViolations, PlaygroundPage } from './fixtures.ts';
import { CurvePicture } from './curve-picture.ts';

/** A curve run on the points given, as a share link's hash. */
function pointsLink(points: [number, number][], overrides: Partial<TrainConfig> = {}): string {
  return experimentHash({ config: { ...defaultConfig('curve'), dataset: 'points', points, ...overrides }, hide: [] });
}

/** Seven points on the line y = 0, one per unit of x: fewer than a batch, so each edit resizes the fused step's batch. */
const flatLine: [number, number][] = [-3, -2, -1, 0, 1, 2, 3].map((x) => [x, 0]);

test('placed, dragged and removed points pull the fit while it trains, without restarting the run (WebGPU, fused kernels)', async ({ playground, page }) => {
  await playground.open(pointsLink(flatLine));
  await expect(playground.backend).toHaveText('webgpu');
  const curve = new CurvePicture(page);
  await curve.expectPointCount(7);
  await playground.stopAtInput.fill('0');
  await playground.trainButton.click();
  await expect.poll(() => curve.fitAt(0).then(Math.abs), { message: 'the fit settles on the line y = 0' }).toBeLessThan(0.2);

  await test.step('drag the point at x = 0 up to y = 1.5: the fit there follows', async () => {
    const stepBefore = await playground.stepCount();
    await curve.drag(0, 0, 0, 1.5);
    await curve.expectPointCount(7);
    await expect.poll(() => curve.fitAt(0)).toBeGreaterThan(0.6);
    // The run continued: same run, more steps, not a fresh one from step 0.
    expect(await playground.stepCount()).toBeGreaterThan(stepBefore);
  });

  await test.step('click to add a point at (2.5, -1.5): the fit there goes down', async () => {
    const before = await curve.fitAt(2.5);
    await curve.click(2.5, -1.5);
    await curve.expectPointCount(8);
    await curve.expectTrainedOn(8);
    await expect.poll(() => curve.fitAt(2.5)).toBeLessThan(before - 0.5);
  });

  await test.step('right-click the dragged point: it is gone from the picture and from the run', async () => {
    await curve.click(0, 1.5, 'right');
    await curve.expectPointCount(7);
    await curve.expectTrainedOn(7);
    await playground.pauseButton.click();
    await expect(playground.trainButton).toBeVisible();
    await page.getByRole('button', { name: 'Copy link' }).click();
    const config = JSON.parse(decodeURIComponent(new URL(await page.getByTestId('share-link').inputValue()).hash.slice('#experiment='.length))).config as TrainConfig;
    expect(config.points).toEqual([[-3, 0], [-2, 0], [-1, 0], [1, 0], [2, 0], [3, 0], [2.5, -1.5]]);
  });
  await expect(playground.error).toHaveCount(0);
});

test('the first click edits the sine\'s own points, which survive Resume after a reload; Back to the sine undoes it', async ({ playground, page }) => {
  await playground.open('?backend=cpu');
  await playground.choose('Demo', 'Curve fitting');
  const curve = new CurvePicture(page);
  await expect.poll(() => curve.pointCount()).toBeGreaterThan(0);
  const sinePoints = await curve.pointCount();
  for (const x of [-1.2, -1, -0.8]) await curve.click(x, 1.8);
  await curve.expectPointCount(sinePoints + 3);
  await playground.trainTo(40);
  await playground.expectSaved(40, 'pause');
  const loss = await playground.lossReadout.getAttribute('data-value');
  const fit = await curve.canvas.getAttribute('data-fit');
  await expectNoAxeViolations(page, 'with placed curve points');

  await page.reload();
  await playground.open('?backend=cpu');
  await playground.resumeButton.click();
  await expect(playground.stepReadout).toHaveText('40');
  await curve.expectPointCount(sinePoints + 3);
  await curve.expectTrainedOn(sinePoints + 3);
  await expect(playground.lossReadout).toHaveAttribute('data-value', loss!);
  await expect(curve.canvas).toHaveAttribute('data-fit', fit!);
  // The resumed run trains on the same points: those placed at y = 1.8 pull the fit up from the sine's
  // sin(-1.5) ≈ -1.0 there (to about -0.7 by step 400; on the sine alone it stays near -0.95).
  await playground.trainTo(400);
  expect(await curve.fitAt(-1)).toBeGreaterThan(Math.sin(-1.5) + 0.2);

  await curve.backToSine.click();
  await curve.expectPointCount(sinePoints);
  await curve.expectTrainedOn(sinePoints);
  await expect(curve.backToSine).toHaveCount(0);
  await expect(playground.stepReadout).toHaveText('400');
});

test('a share link carries the placed points: the student gets the same points and the identical run (CPU)', async ({ playground, page, context }) => {
  await playground.open('?backend=cpu');
  await playground.choose('Demo', 'Curve fitting');
  const curve = new CurvePicture(page);
  await expect.poll(() => curve.pointCount()).toBeGreaterThan(0);
  const sinePoints = await curve.pointCount();
  await curve.click(1.5, -1.5);
  await curve.drag(1.5, -1.5, 2, -1);
  await curve.expectPointCount(sinePoints + 1);
  await page.getByRole('button', { name: 'Copy link' }).click();
  const url = await page.getByTestId('share-link').inputValue();
  await playground.trainTo(30);
  const teacherLoss = await playground.lossReadout.getAttribute('data-value');
  const teacherFit = await curve.canvas.getAttribute('data-fit');

  const student = new PlaygroundPage(await context.newPage());
  await student.open(`?backend=cpu${new URL(url).hash}`);
  const studentCurve = new CurvePicture(student.page);
  await studentCurve.expectPointCount(sinePoints + 1);
  await studentCurve.expectTrainedOn(sinePoints + 1);
  await student.trainTo(30);
  expect(await student.lossReadout.getAttribute('data-value')).toBe(teacherLoss);
  await expect(studentCurve.canvas).toHaveAttribute('data-fit', teacherFit!);
});

test('the keyboard places, moves and removes a point', async ({ playground, page }) => {
  await playground.open(`?backend=cpu${pointsLink(flatLine)}`);
  const curve = new CurvePicture(page);
  await curve.expectPointCount(7);
  const picture = page.getByRole('application', { name: /^Fitted curve over 7 training points/ });
  await picture.focus();
  // The cursor starts at (0, 0), on a point: Enter picks it up, the arrows carry it, Enter drops it.
  await page.keyboard.press('Enter');
  for (let i = 0; i < 5; i++) await page.keyboard.press('ArrowUp');
  await page.keyboard.press('Enter');
  await curve.expectPointCount(7);
  await expect(picture).toHaveAccessibleName(/^Fitted curve over 7 training points/);
  // Off the points, Enter adds one at the cursor; Delete removes the one under it.
  await page.keyboard.press('Shift+ArrowRight');
  await page.keyboard.press('Enter');
  await curve.expectPointCount(8);
  await page.keyboard.press('Delete');
  await curve.expectPointCount(7);
  await curve.expectTrainedOn(7);
  await playground.stepButton.click();
  await expect(playground.stepReadout).toHaveText('1');
  // The moved point is in the experiment: a link made now holds it at (0, 0.5).
  await page.getByRole('button', { name: 'Copy link' }).click();
  const hash = new URL(await page.getByTestId('share-link').inputValue()).hash;
  expect(decodeURIComponent(hash)).toContain('[0,0.5]');
});

test.describe('on a touch screen', () => {
  test.use({ hasTouch: true });

  test('a long press removes a point, a tap adds one', async ({ playground, page }) => {
    await playground.open(`?backend=cpu${pointsLink(flatLine)}`);
    const curve = new CurvePicture(page);
    await curve.expectPointCount(7);
    const target = await curve.at(1, 0);
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [{ x: target.x, y: target.y }] });
    // Held still, the point goes after half a second, while the finger is still down.
    await curve.expectPointCount(6);
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
    const empty = await curve.at(-0.5, 1);
    await page.touchscreen.tap(empty.x, empty.y);
    await curve.expectPointCount(7);
    await expect(playground.error).toHaveCount(0);
  });
});

test('a link with a point outside the picture loads the defaults and says which point', async ({ playground, page }) => {
  await playground.open(`?backend=cpu${pointsLink([[0, 0], [0, 5]])}`);
  await expect(page.getByTestId('link-message')).toHaveText(/its setting "points" .+ was refused: Point 2: A point's y must be a number from -2 to 2, inside the picture/);
  await expect(playground.field('Demo')).toHaveValue('classify2d');
});
