import { test, expect, PlaygroundPage } from './fixtures.ts';

test('a share link sets up the same run: the identical loss at step 30 on the CPU, with hidden controls', async ({ playground, page, context }) => {
  await playground.open('?backend=cpu');
  await playground.choose('Dataset', 'circles');
  await playground.setField('Seed', '7');
  await playground.setField('Learning rate', '0.05');
  await page.getByText('For teachers: hide settings in the link').click();
  await page.getByRole('group', { name: 'Settings to hide in the link' }).getByLabel('Seed').check();
  await page.getByRole('button', { name: 'Copy link' }).click();
  const url = await page.getByTestId('share-link').inputValue();
  expect(url).toContain('#experiment=');
  await playground.trainTo(30);
  const teacherLoss = await playground.lossReadout.getAttribute('data-value');

  const student = new PlaygroundPage(await context.newPage());
  await student.open(`?backend=cpu${new URL(url).hash}`);
  await expect(student.field('Dataset')).toHaveValue('circles');
  await expect(student.field('Learning rate')).toHaveValue('0.05');
  await expect(student.field('Seed')).toHaveCount(0);
  await expect(student.page.getByText('Some settings are fixed by the link you opened.')).toBeVisible();
  await student.trainTo(30);
  expect(await student.lossReadout.getAttribute('data-value')).toBe(teacherLoss);
});

const hostileHashes: [string, string][] = [
  ['bad JSON', '#experiment=' + encodeURIComponent('{"v":1,"config":{')],
  ['an unknown key', '#experiment=' + encodeURIComponent('{"v":1,"config":{"demo":"classify2d"},"onload":"alert(1)"}')],
  ['an out-of-range number', '#experiment=' + encodeURIComponent(JSON.stringify({ v: 1, config: { learningRate: -5 } }))],
  ['a huge string', '#experiment=' + 'A'.repeat(60000)],
  ['a __proto__ key', '#experiment=' + encodeURIComponent('{"v":1,"__proto__":{"isAdmin":true},"config":{}}')],
  ['hidden settings that are not a list', '#experiment=' + encodeURIComponent('{"v":1,"config":{},"hide":"abc"}')],
];

for (const [name, hash] of hostileHashes) {
  test(`a link with ${name} loads the default experiment and says why`, async ({ playground, page }) => {
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await playground.open(`?backend=cpu${hash}`);
    await expect(page.getByTestId('link-message')).toHaveText(/^The link's experiment could not be used because .+, so the default experiment was loaded instead\. Ask for a fresh link\.$/);
    // The validator's own wording ('Invalid type: Expected Array but received "abc"') never reaches the page.
    await expect(page.getByTestId('link-message')).not.toHaveText(/Invalid type|Expected|received/);
    await expect(playground.field('Dataset')).toHaveValue('spiral');
    await expect(playground.field('Learning rate')).toHaveValue('0.03');
    await expect(playground.field('Seed')).toHaveValue('1');
    await playground.stepButton.click();
    await expect(playground.stepReadout).toHaveText('1');
    expect(await page.evaluate(() => ({}) as Record<string, unknown>)).toEqual({});
    expect(await page.evaluate(() => (Object.prototype as Record<string, unknown>).isAdmin)).toBeUndefined();
    expect(errors).toEqual([]);
  });
}
