import { test, expect, PlaygroundPage } from './fixtures.ts';

const HOSTILE_NOTE = 'Try learning rate 0.3 next. <img src=x onerror=alert(1)> <script>alert(2)</script>';

test("a teacher's note with markup travels in the link and shows as plain characters: no element, no dialog, no request", async ({ playground, page, context }) => {
  await playground.open('?backend=cpu');
  await page.getByLabel("Teacher's note").fill(HOSTILE_NOTE);
  await page.getByRole('button', { name: 'Copy link' }).click();
  const url = await page.getByTestId('share-link').inputValue();

  const student = new PlaygroundPage(await context.newPage());
  const dialogs: string[] = [];
  const requests: string[] = [];
  student.page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  student.page.on('request', (request) => requests.push(request.url()));
  await student.open(`?backend=cpu${new URL(url).hash}`);

  const note = student.page.getByTestId('teacher-note');
  await expect(note).toContainText(HOSTILE_NOTE);
  expect(await student.page.locator('body').innerText()).toContain('<img src=x onerror=alert(1)>');
  await expect(note.locator('img, script')).toHaveCount(0);
  // The note sits above the training controls, where a student looks first.
  const noteBox = (await note.boundingBox())!;
  const trainBox = (await student.trainButton.boundingBox())!;
  expect(noteBox.y).toBeLessThan(trainBox.y);
  // Give an injected handler the time a broken image needs to fire, then check nothing did.
  await student.stepButton.click();
  await expect(student.stepReadout).toHaveText('1');
  expect(dialogs).toEqual([]);
  expect(requests.filter((request) => new URL(request).pathname.endsWith('/x'))).toEqual([]);
});

test('a note over 500 characters is refused with a sentence and is not put in the link', async ({ playground, page }) => {
  await playground.open('?backend=cpu');
  const field = page.getByLabel("Teacher's note");
  await field.fill('a'.repeat(501));
  const problem = page.getByTestId('note-problem');
  await expect(problem).toHaveText("The teacher's note is 501 characters long; shorten it to 500 characters or fewer to put it in the link.");
  await expect(field).toHaveAttribute('aria-invalid', 'true');
  await page.getByRole('button', { name: 'Copy link' }).click();
  await expect(page.getByTestId('copy-status')).toHaveText(/^No link was made\. The teacher's note is 501 characters long/);
  await expect(page.getByTestId('share-link')).toHaveCount(0);
  expect(await page.evaluate(() => location.hash)).not.toContain('aaaa');

  await field.fill('a'.repeat(500));
  await expect(problem).toHaveCount(0);
  await page.getByRole('button', { name: 'Copy link' }).click();
  const url = await page.getByTestId('share-link').inputValue();
  expect(decodeURIComponent(new URL(url).hash)).toContain(`"note":"${'a'.repeat(500)}"`);
});
