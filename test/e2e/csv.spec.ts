import type { Page } from '@playwright/test';
import { test, expect, expectNoAxeViolations, PlaygroundPage } from './fixtures.ts';

/** A CSV file's text: a header (or none) and `rows` rows. */
const csvOf = (header: string | null, rows: number, row: (i: number) => string) => [...(header ? [header] : []), ...Array.from({ length: rows }, (_, i) => row(i))].join('\n') + '\n';

/** A deterministic stand-in for random numbers, so every run of the test loads the same file. */
const wobble = (i: number) => Math.sin(i * 12.9898) * 0.5;

/** Two blobs, far apart on very different scales: easy to learn once standardised. */
const BLOBS = csvOf('weight,height,kind', 300, (i) => {
  const cls = i % 2;
  return `${(cls ? 80 : 60) + 8 * wobble(i)},${(cls ? 0.9 : 1.3) + 0.1 * wobble(i + 7)},${cls ? 'heavy' : 'light'}`;
});

/** Chooses a file through the Load CSV button, as a user does. */
async function loadCsv(page: Page, name: string, text: string | Buffer) {
  const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.getByRole('button', { name: 'Load CSV', exact: true }).click()]);
  await chooser.setFiles({ name, mimeType: 'text/csv', buffer: typeof text === 'string' ? Buffer.from(text) : text });
}

/** Every record key in the playground's IndexedDB, by object store: equal snapshots mean an unchanged store. */
function storeSnapshot(page: Page): Promise<Record<string, string[]>> {
  return page.evaluate(
    () =>
      new Promise<Record<string, string[]>>((resolve, reject) => {
        const open = indexedDB.open('webgpu-playground');
        open.onerror = () => reject(open.error);
        open.onsuccess = async () => {
          const db = open.result;
          const snapshot: Record<string, string[]> = {};
          for (const name of [...db.objectStoreNames]) {
            const keys = db.transaction(name).objectStore(name).getAllKeys();
            snapshot[name] = await new Promise<string[]>((done) => (keys.onsuccess = () => done(keys.result.map((k) => JSON.stringify(k)))));
          }
          db.close();
          resolve(snapshot);
        };
      }),
  );
}

const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;

async function expectLossFell(playground: PlaygroundPage) {
  const losses = (await playground.downloadLosses()).map((row) => Number(row.trainLoss));
  expect(mean(losses.slice(-10))).toBeLessThan(mean(losses.slice(0, 10)) * 0.7);
}

test('a CSV file trains, the loss falls, and the run resumes after a reload with its data', async ({ playground, page }) => {
  test.setTimeout(240_000);
  await playground.open();
  await loadCsv(page, 'blobs.csv', BLOBS);
  await expect(page.getByTestId('csv-summary')).toHaveText('“blobs.csv”: 300 rows, 3 columns, with names in row 1.');
  await expect(playground.field('Dataset')).toHaveValue('csv');
  await expect(playground.field('Label column')).toHaveValue('2');
  await expect(playground.trainButton).toBeEnabled({ timeout: 90_000 });
  await expect(page.getByTestId('decision-boundary')).toBeVisible();
  await expect(page.getByRole('figure').filter({ hasText: 'Across: weight, up: height' })).toContainText('heavy');
  await playground.trainTo(60);
  await playground.expectSaved(60, 'pause');
  await expectLossFell(playground);

  await page.reload();
  await expect(playground.resumeOffer).toContainText('step 60');
  await playground.resumeButton.click();
  await expect(playground.stepReadout).toHaveText('60');
  await expect(playground.field('Dataset')).toHaveValue('csv');
  await expect(page.getByTestId('csv-summary')).toHaveText(
    'Training on “blobs.csv”: 300 rows; features weight, height; label kind (2 classes). Load the file again to choose other columns.',
  );
  // Training on needs the data: it came back from the checkpoint, not from the file.
  await playground.trainTo(70);
  await expect(playground.error).toHaveCount(0);
});

test('each bad CSV file gets its own sentence naming the row and column, and the store is unchanged', async ({ playground, page }) => {
  test.setTimeout(180_000);
  await playground.open('?backend=cpu');
  await playground.trainTo(5);
  await playground.expectSaved(5, 'pause');
  const before = await storeSnapshot(page);
  expect(before.checkpoints).toHaveLength(1);
  const error = page.getByTestId('csv-error');

  const badFiles: [string, string | Buffer, string][] = [
    ['text.csv', csvOf('x,y,label', 20, (i) => `${i},${i === 3 ? 'abc' : i},${i % 2}`), 'Row 5, column "y" (B) holds "abc", which is not a number, and feature columns must hold numbers. Fix the cell, or choose another feature column.'],
    ['gap.csv', csvOf('x,y,label', 20, (i) => `${i === 5 ? '' : i},${i},${i % 2}`), 'Row 7, column "x" (A) is empty, but every row needs a value in each feature column. Fill in the cell or delete the row.'],
    ['short.csv', csvOf('x,y,label', 6, (i) => `${i},${i},${i % 2}`), '"short.csv" has only 6 rows of data (rows 2 to 7), but at least 10 are needed to train on some and test on the others. Add rows.'],
    ['long.csv', csvOf('x,label', 100_001, (i) => `${i % 97},${i % 2}`), '"long.csv" has 100,001 rows of data, more than the 100,000 rows allowed; row 100,002 is the first beyond the limit. Use a sample of the rows.'],
    ['huge.csv', Buffer.alloc(5_000_001, '1,2\n'), 'The file "huge.csv" is 5.0 MB, more than the 5.0 MB a CSV file may have; use fewer rows (at most 100,000) or fewer columns.'],
    ['one-class.csv', csvOf('x,y,label', 20, (i) => `${i},${-i},yes`), 'The label column "label" (C) holds only one class ("yes") in rows 2 to 21, but a classifier needs at least two. Choose another label column.'],
    ['ids.csv', csvOf('x,y,id', 30, (i) => `${i},${-i},${i}`), 'The label column "id" (C) holds more than 20 different values (row 22 has the 21st), but at most 20 classes are allowed. Choose a label column with fewer distinct values.'],
  ];
  for (const [name, text, sentence] of badFiles) {
    await test.step(name, async () => {
      await loadCsv(page, name, text);
      await expect(error).toHaveText(sentence);
      await expect(playground.trainButton).toBeDisabled();
      await expect(playground.stepReadout).toHaveText('5');
    });
  }

  await test.step('a label column that is also a feature', async () => {
    await loadCsv(page, 'good.csv', csvOf('x,y,label', 20, (i) => `${i},${-i},${i % 2}`));
    await expect(error).toHaveCount(0);
    await page.getByRole('group', { name: 'Feature columns' }).getByLabel('label (C)').check();
    await expect(error).toHaveText('The column "label" (C) is chosen both as the label and as a feature; a model must not see the answer among its inputs. Untick it, or choose another label.');
    await expect(playground.trainButton).toBeDisabled();
    await expectNoAxeViolations(page, 'with the CSV column picker showing a refusal');
  });
  expect(await storeSnapshot(page)).toEqual(before);
});

/**
 * Drops a 100,000-row file (built in the page beforehand) and records the gaps between
 * animation frames from the drop until the run on it is set up; also the main thread's long
 * tasks, which say what froze the page if anything did.
 */
async function frameGapsWhileReading(playground: PlaygroundPage): Promise<{ maxGap: number; report: string }> {
  const { page } = playground;
  await playground.open('?backend=cpu');
  await page.evaluate(() => {
    const rows = ['a,b,c,label'];
    for (let i = 0; i < 100_000; i++) rows.push(`${(Math.sin(i) * 100).toFixed(4)},${(Math.cos(i) * 3).toFixed(4)},${i % 17},${i % 3 ? 'yes' : 'no'}`);
    (window as unknown as { bigCsv: File }).bigCsv = new File([rows.join('\n')], 'big.csv', { type: 'text/csv' });
  });
  await page.evaluate(() => {
    const w = window as unknown as { gaps: number[]; longTasks: number[][]; recording: boolean; bigCsv: File };
    w.gaps = [];
    w.longTasks = [];
    w.recording = true;
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) w.longTasks.push([Math.round(e.startTime), Math.round(e.duration)]);
    }).observe({ type: 'longtask' });
    let last = performance.now();
    const tick = (now: number) => {
      w.gaps.push(now - last);
      last = now;
      if (w.recording) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
    const dataTransfer = new DataTransfer();
    dataTransfer.items.add(w.bigCsv);
    document.querySelector('main')!.dispatchEvent(new DragEvent('drop', { dataTransfer, bubbles: true, cancelable: true }));
  });
  await expect(page.getByTestId('csv-summary')).toHaveText('“big.csv”: 100,000 rows, 4 columns, with names in row 1.', { timeout: 60_000 });
  await expect(playground.trainButton).toBeEnabled({ timeout: 60_000 });
  const { gaps, longTasks } = await page.evaluate(() => {
    const w = window as unknown as { gaps: number[]; longTasks: number[][]; recording: boolean };
    w.recording = false;
    return { gaps: w.gaps, longTasks: w.longTasks };
  });
  expect(gaps.length).toBeGreaterThan(5);
  return { maxGap: Math.max(...gaps), report: `frame gaps (ms): ${gaps.map(Math.round).join(', ')}; long tasks [start, ms]: ${JSON.stringify(longTasks)}` };
}

test('a 100,000-row file is read without freezing the page', async ({ playground }) => {
  test.setTimeout(240_000);
  // The machines that run this share their cores, and a busy neighbour can delay a frame of an
  // idle page; so the best of three attempts counts. Reading on the main thread freezes every one.
  const attempts: { maxGap: number; report: string }[] = [];
  for (let attempt = 1; attempt <= 3 && !attempts.some((a) => a.maxGap < 100); attempt++) {
    attempts.push(await test.step(`attempt ${attempt}`, () => frameGapsWhileReading(playground)));
  }
  const best = attempts.reduce((a, b) => (b.maxGap < a.maxGap ? b : a));
  expect(best.maxGap, attempts.map((a, i) => `attempt ${i + 1}: ${a.report}`).join('\n')).toBeLessThan(100);
});

test('with more than two features the page shows the confusion matrix and test accuracy, and a link asks for the file', async ({ playground, page }) => {
  test.setTimeout(180_000);
  await playground.open('?backend=cpu');
  const flowers = csvOf('sepal,petal,stem,species', 240, (i) => {
    const k = i % 3;
    return `${k * 2 + wobble(i)},${k + 0.3 * wobble(i + 1)},${5 + wobble(i + 2)},${['iris', 'lily', 'rose'][k]}`;
  });
  await loadCsv(page, 'flowers.csv', flowers);
  await expect(playground.trainButton).toBeEnabled();
  await playground.trainTo(40);
  const picture = page.getByRole('region', { name: 'What the network learned' });
  await expect(picture.getByTestId('decision-boundary')).toHaveCount(0);
  const matrix = picture.getByTestId('confusion-matrix');
  await expect(matrix.locator('thead th')).toHaveText(['true ↓guess →', 'iris', 'lily', 'rose']);
  await expect(page.getByTestId('csv-test-accuracy')).toHaveText(/^\d+\.\d%$/);
  const accuracy = parseFloat((await page.getByTestId('csv-test-accuracy').textContent())!);
  expect(accuracy).toBeGreaterThan(60);
  // The diagonal counts add up to the accuracy on the 48 test rows.
  const diagonal = await matrix.locator('td.diagonal').allTextContents();
  expect(diagonal.map(Number).reduce((a, b) => a + b, 0)).toBe(Math.round((accuracy / 100) * 48));
  await expectNoAxeViolations(page, 'with the confusion matrix of a CSV run');

  await expect(page.getByTestId('csv-link-hint')).toBeVisible();
  await page.getByRole('button', { name: 'Copy link' }).click();
  const link = await page.getByTestId('share-link').inputValue();
  expect(link).not.toContain('iris');
  // Whoever opens the link gets the settings, and a sentence asking for the file.
  const student = new PlaygroundPage(await page.context().newPage());
  await student.page.goto(link.replace(/^[^#]*/, '/?backend=cpu'));
  await expect(student.page.getByTestId('csv-error')).toHaveText(
    'This experiment trains on a CSV file of your own, and a link never carries the data: load the file with Load CSV, or drop it on the page.',
  );
  await expect(student.field('Dataset')).toHaveValue('csv');
  await expect(student.trainButton).toBeDisabled();
  await loadCsv(student.page, 'flowers.csv', flowers);
  await expect(student.page.getByTestId('csv-error')).toHaveCount(0);
  await expect(student.trainButton).toBeEnabled();
});

test('the curve demo fits an output column against an input column', async ({ playground, page }) => {
  test.setTimeout(120_000);
  await playground.open('?backend=cpu');
  await playground.choose('Demo', 'Curve fitting');
  await expect(playground.trainButton).toBeEnabled();
  await loadCsv(page, 'squares.csv', csvOf('size,price', 200, (i) => `${i / 10},${1000 + ((i / 10 - 10) ** 2) * 50 + 20 * wobble(i)}`));
  await expect(playground.field('Input column')).toHaveValue('0');
  await expect(playground.field('Output column')).toHaveValue('1');
  await expect(playground.trainButton).toBeEnabled();
  await playground.trainTo(80);
  await expectLossFell(playground);
  await expect(page.getByRole('figure').filter({ hasText: 'Fitted curve (black) of price (up) against size (across)' })).toBeVisible();
});

test('two features and three classes draw the boundary in three colours', async ({ playground, page }) => {
  test.setTimeout(120_000);
  await playground.open('?backend=cpu');
  // Three clusters around the corners of a triangle.
  const corners = [[0, 0], [10, 0], [5, 8]];
  await loadCsv(page, 'triangle.csv', csvOf('x,y,corner', 240, (i) => `${corners[i % 3][0] + wobble(i)},${corners[i % 3][1] + wobble(i + 3)},${['a', 'b', 'c'][i % 3]}`));
  await expect(playground.trainButton).toBeEnabled();
  await playground.trainTo(60);
  const figure = page.getByRole('figure').filter({ has: page.getByTestId('decision-boundary') });
  await expect(figure).toContainText('Classes: a, b, c.');
  // Each class's colour (orange, blue, green) colours some of the heatmap.
  const shares = await page.getByTestId('decision-boundary').evaluate((canvas: HTMLCanvasElement) => {
    const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
    const colours = [[245, 147, 34], [8, 119, 189], [44, 160, 44]];
    const counts = [0, 0, 0];
    for (let i = 0; i < data.length; i += 4) {
      const distances = colours.map((c) => Math.hypot(c[0] - data[i], c[1] - data[i + 1], c[2] - data[i + 2]));
      const nearest = distances.indexOf(Math.min(...distances));
      if (distances[nearest] < 120) counts[nearest]++;
    }
    return counts.map((n) => n / (data.length / 4));
  });
  // Points alone (in the same colours) cover under a tenth of the canvas.
  for (const share of shares) expect(share).toBeGreaterThan(0.15);
});
