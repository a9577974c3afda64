import { test, expect } from './fixtures.ts';

const badInputs: [field: string, value: string, message: RegExp][] = [
  ['Learning rate', '-0.1', /^Learning rate must be a number from 0\.000001 to 10; -0\.1 is out of range\.$/],
  ['Learning rate', 'abc', /^Learning rate must be a number from 0\.000001 to 10; "abc" is not a number\.$/],
  ['Batch size', '', /^Batch size is empty; enter a whole number from 1 to 512\.$/],
  ['Batch size', '12.5', /^Batch size must be a whole number from 1 to 512; 12\.5 is not whole\.$/],
  ['Dropout', '0.95', /^Dropout must be a number from 0 to 0\.9; 0\.95 is out of range\.$/],
  ['Seed', 'NaN', /^Seed must be a whole number from 0 to 2147483647; "NaN" is not a number\.$/],
  ['Noise', '-1', /^Noise must be a number from 0 to 1; -1 is out of range\.$/],
  ['Layer 1 units', '0', /^Units per layer must be a whole number from 1 to 256; 0 is out of range\.$/],
];

for (const [field, value, message] of badInputs) {
  test(`"${value}" in ${field} is refused next to the field and never reaches the trainer`, async ({ playground }) => {
    await playground.open('?backend=cpu');
    await playground.stepButton.click();
    await expect(playground.stepReadout).toHaveText('1');
    const lossBefore = await playground.lossReadout.getAttribute('data-value');

    const input = playground.field(field);
    const valid = await input.inputValue();
    await playground.setField(field, value);
    await expect(input).toHaveAttribute('aria-invalid', 'true');
    const error = playground.settings.locator(`#${await input.getAttribute('aria-describedby')}`);
    await expect(error).toHaveText(message);

    // The run was not restarted (step stays 1), and it cannot train on a value nobody sees.
    await expect(playground.stepReadout).toHaveText('1');
    expect(await playground.lossReadout.getAttribute('data-value')).toBe(lossBefore);
    await expect(playground.trainButton).toBeDisabled();
    await expect(playground.stepButton).toBeDisabled();
    await expect(playground.error).toHaveCount(0);

    // Correcting the value clears the message and keeps the run.
    await playground.setField(field, valid);
    await expect(input).toHaveAttribute('aria-invalid', 'false');
    await expect(error).toHaveCount(0);
    await expect(playground.stepReadout).toHaveText('1');
    await playground.stepButton.click();
    await expect(playground.stepReadout).toHaveText('2');
  });
}

test('Stop at step refuses a negative number with a sentence', async ({ playground, page }) => {
  await playground.open('?backend=cpu');
  await playground.stopAtInput.fill('-3');
  await expect(page.locator('#stop-at-error')).toHaveText('Stop at step must be a whole number of steps from 0 to 1,000,000 (0 means never); "-3" is not.');
});
