import { defaultConfig } from '../../src/lib/engine/config.ts';
import { experimentHash, HIDEABLE_CONTROLS, type HideableControl } from '../../src/lib/share/hash-state.ts';
import { test, expect } from './fixtures.ts';

const linkHiding = (hide: HideableControl[]) => experimentHash({ config: defaultConfig(), hide });

test('a first-time visitor reads one sentence of what to do, above Train', async ({ playground, page }) => {
  await playground.open('?backend=cpu');
  const guide = page.getByTestId('guide');
  await expect(guide).toHaveText(/^New here\? Press Train and watch the loss fall .+; then change a setting \(each \? explains its own\) and train again\.$/);
  expect((await guide.boundingBox())!.y).toBeLessThan((await playground.trainButton.boundingBox())!.y);
});

test('every setting has a "?" that explains it in a line, by mouse and by keyboard', async ({ playground, page }) => {
  await playground.open('?backend=cpu');
  const settings = ['Demo', 'Dataset', 'Samples', 'Noise', 'Test fraction', 'Input features', 'Hidden layers', 'Activation', 'Optimizer', 'Learning rate', 'Batch size', 'Schedule', 'L2', 'Dropout', 'Seed'];
  for (const name of settings) {
    const help = page.getByRole('button', { name: `About ${name}`, exact: true });
    await expect(help, `The "${name}" setting should have a "?" button named "About ${name}".`).toHaveAttribute('aria-expanded', 'false');
    const explanation = page.locator(`#${await help.getAttribute('aria-controls')}`);
    await expect(explanation).toBeHidden();
    await help.click();
    await expect(help).toHaveAttribute('aria-expanded', 'true');
    await expect(explanation).toBeVisible();
    await expect(explanation).toHaveText(/^[A-Z].{20,200}\.$/);
  }

  // The keyboard way: Tab onto the "?", Enter opens it, Enter again closes it.
  const learningRate = page.getByRole('button', { name: 'About Learning rate' });
  await learningRate.click();
  await expect(learningRate).toHaveAttribute('aria-expanded', 'false');
  await playground.field('Learning rate').focus();
  await page.keyboard.press('Tab');
  await expect(learningRate).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(learningRate).toHaveAttribute('aria-expanded', 'true');
  await expect(page.getByText(/^How big each step is/)).toBeVisible();

  // The digits have their own settings, explained too.
  await playground.choose('Demo', 'Handwritten digits');
  await expect(page.getByRole('button', { name: 'About Model', exact: true })).toBeVisible();
});

test('the teacher panel is offered to whoever makes a link, not to a student who opened one with hidden settings', async ({ playground, page }) => {
  const teacherPanel = page.getByText('For teachers: hide settings in the link');
  await playground.open('?backend=cpu');
  await expect(teacherPanel).toBeVisible();

  // A fresh load each time: going from one URL to the same URL with a new hash would not reload.
  await page.goto('about:blank');
  await playground.open(`?backend=cpu${linkHiding(['seed', 'learningRate'])}`);
  await expect(playground.field('Seed')).toHaveCount(0);
  await expect(teacherPanel).toHaveCount(0);
  // Copy link still works for the student, and keeps the teacher's hidden settings hidden.
  await page.getByRole('button', { name: 'Copy link' }).click();
  expect(decodeURIComponent(await page.getByTestId('share-link').inputValue())).toContain('"hide":["seed","learningRate"]');

  // A link that hides nothing is just a shared experiment: its opener may make links too.
  await page.goto('about:blank');
  await playground.open(`?backend=cpu${linkHiding([])}`);
  await expect(teacherPanel).toBeVisible();
});

test('a link that hides every setting shows a sentence instead of empty boxes', async ({ playground }) => {
  await playground.open(`?backend=cpu${linkHiding([...HIDEABLE_CONTROLS])}`);
  await expect(playground.settings.getByTestId('all-settings-fixed')).toHaveText(
    'Every setting of this experiment is fixed by the link you opened, so there is nothing to change here: press Train and watch what happens.',
  );
  await expect(playground.settings.locator('fieldset')).toHaveCount(0);
  await playground.trainTo(5);
});

test('a link that hides one group leaves out that box and keeps the others', async ({ playground }) => {
  await playground.open(`?backend=cpu${linkHiding(['dataset', 'samples', 'noise', 'testFraction', 'features'])}`);
  await expect(playground.settings.getByRole('group', { name: 'Data' })).toHaveCount(0);
  await expect(playground.settings.getByRole('group', { name: 'Model' })).toBeVisible();
  await expect(playground.settings.getByTestId('all-settings-fixed')).toHaveCount(0);
});
