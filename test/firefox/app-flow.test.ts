// The app's core flow in Firefox (issue 16), driven as a user would through puppeteer-core:
// train on WebGPU, Pause saves, close the browser and Resume on the same profile, a damaged
// chunk falls back to the previous checkpoint with a sentence, Export and Import round-trip;
// and a device lost in the middle of a fused run falls back and resumes (issue 13).
// The page is the app as the dev server serves it (the same Svelte app as the build).
import type { Page } from 'puppeteer-core';
import { inject } from 'vitest';
import { test, expect } from './support/firefox.ts';

const TEXT_TIMEOUT_MS = 90_000;

/** Opens the app at `query` and waits until a run can be trained. */
async function openApp(page: Page, query = ''): Promise<void> {
  await page.goto(new URL(`/${query}`, inject('devServerUrl')).href);
  await waitForText(page, 'backend', /^(webgpu|webgl|cpu)$/);
  await page.waitForFunction(() => [...document.querySelectorAll('button')].some((b) => b.textContent?.trim() === 'Train' && !b.disabled), { timeout: TEXT_TIMEOUT_MS });
}

/** Waits until the element with this test id shows text matching `pattern`; returns the text. */
async function waitForText(page: Page, testId: string, pattern: RegExp): Promise<string> {
  const handle = await page.waitForFunction(
    (id, source) => {
      const text = document.querySelector(`[data-testid="${id}"]`)?.textContent?.replace(/\s+/g, ' ').trim() ?? '';
      return new RegExp(source).test(text) ? text : false;
    },
    { timeout: TEXT_TIMEOUT_MS },
    testId,
    pattern.source,
  );
  return (await handle.jsonValue()) as string;
}

async function clickButton(page: Page, name: string): Promise<void> {
  await page.waitForFunction((n) => [...document.querySelectorAll('button')].some((b) => b.textContent?.trim() === n && !b.disabled), { timeout: TEXT_TIMEOUT_MS }, name);
  await page.evaluate((n) => [...document.querySelectorAll('button')].find((b) => b.textContent?.trim() === n && !b.disabled)!.click(), name);
}

/** Sets Stop at step, presses Train and waits for the pause there and its save. */
async function trainTo(page: Page, step: number): Promise<void> {
  await page.evaluate((s) => {
    const input = document.querySelector<HTMLInputElement>('#stop-at')!;
    input.value = String(s);
    input.dispatchEvent(new Event('input', { bubbles: true }));
  }, step);
  await clickButton(page, 'Train');
  await waitForText(page, 'step', new RegExp(`^${step}$`));
  await waitForText(page, 'save-status', new RegExp(`^Saved step ${step} \\(pause\\)\\.$`));
}

/** Flips one byte of every chunk of the run's newest checkpoint, in the app's own database. */
function damageNewestCheckpoint(page: Page): Promise<number> {
  return page.evaluate(
    () =>
      new Promise<number>((resolve, reject) => {
        const open = indexedDB.open('webgpu-playground');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const db = open.result;
          const tx = db.transaction(['checkpoints', 'chunks'], 'readwrite');
          const all = tx.objectStore('checkpoints').getAll();
          all.onsuccess = () => {
            const newest = (all.result as { id: string; manifest: { step: number } }[]).sort((a, b) => b.manifest.step - a.manifest.step)[0];
            const cursor = tx.objectStore('chunks').openCursor();
            cursor.onsuccess = () => {
              const c = cursor.result;
              if (!c) return;
              const record = c.value as { checkpointId: string; data: Blob | ArrayBuffer };
              if (record.checkpointId === newest.id) {
                // A Blob's bytes cannot be read inside the transaction; an ArrayBuffer's can.
                if (record.data instanceof ArrayBuffer) {
                  const bytes = new Uint8Array(record.data.slice(0));
                  bytes[0] ^= 0xff;
                  c.update({ ...record, data: bytes.buffer });
                } else {
                  c.update({ ...record, data: new Blob([new Uint8Array([0xde, 0xad])]) });
                }
              }
              c.continue();
            };
          };
          tx.oncomplete = () => {
            db.close();
            resolve(0);
          };
          tx.onerror = () => reject(tx.error);
        };
      }),
  );
}

test('train on WebGPU, resume after a restart, fall back past a damaged chunk, export and import', async ({ launchOnProfile }) => {
  let firefox = await launchOnProfile();
  let page = await firefox.browser.newPage();
  await openApp(page);
  expect(await waitForText(page, 'backend', /./)).toBe('webgpu');
  expect(await waitForText(page, 'kernel-path', /./)).toBe('· fused kernels');
  await trainTo(page, 20);
  await trainTo(page, 30);
  const lossAt30 = await page.$eval('[data-testid="loss"]', (el) => el.getAttribute('data-value'));
  await firefox.close();

  // Coming back tomorrow: the same profile in a new browser.
  firefox = await launchOnProfile();
  page = await firefox.browser.newPage();
  await openApp(page);
  expect(await waitForText(page, 'resume-step', /^\d+$/)).toBe('30');
  await clickButton(page, 'Resume');
  await waitForText(page, 'step', /^30$/);
  expect(await page.$eval('[data-testid="loss"]', (el) => el.getAttribute('data-value'))).toBe(lossAt30);

  // A damaged chunk in the newest checkpoint: Resume falls back to step 20 and says so.
  await damageNewestCheckpoint(page);
  await clickButton(page, 'Reset');
  await waitForText(page, 'step', /^0$/);
  await page.reload();
  await openApp(page);
  await clickButton(page, 'Resume');
  await waitForText(page, 'step', /^20$/);
  expect(await waitForText(page, 'notice', /step 30/)).toMatch(/damaged/);

  // Export what is on screen and import it again: it opens at step 20.
  const zip = await page.evaluate(async () => {
    const clicked = new Promise<string>((resolve) => {
      HTMLAnchorElement.prototype.click = function () {
        resolve(this.href);
      };
    });
    [...document.querySelectorAll('button')].find((b) => b.textContent?.trim() === 'Export')!.click();
    const bytes = new Uint8Array(await (await fetch(await clicked)).arrayBuffer());
    return Array.from(bytes);
  });
  expect(zip.length).toBeGreaterThan(1000);
  await clickButton(page, 'Reset');
  await waitForText(page, 'step', /^0$/);
  await page.evaluate((bytes) => {
    const transfer = new DataTransfer();
    transfer.items.add(new File([new Uint8Array(bytes)], 'from-firefox.zip', { type: 'application/zip' }));
    const main = document.querySelector('main')!;
    main.dispatchEvent(new DragEvent('dragover', { dataTransfer: transfer, bubbles: true, cancelable: true }));
    main.dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));
  }, zip);
  await waitForText(page, 'notice', /^Imported/);
  await waitForText(page, 'step', /^20$/);
  await firefox.close();
});

test('a WebGPU device lost in the middle of a fused run falls back and resumes from the last checkpoint', async ({ launchOnProfile }) => {
  const firefox = await launchOnProfile();
  const page = await firefox.browser.newPage();
  await openApp(page, '?debug');
  expect(await waitForText(page, 'kernel-path', /./)).toBe('· fused kernels');
  await trainTo(page, 8);
  // Train on, and lose the device while the fused steps are running.
  await page.evaluate(() => {
    const input = document.querySelector<HTMLInputElement>('#stop-at')!;
    input.value = '100000';
    input.dispatchEvent(new Event('input', { bubbles: true }));
  });
  await clickButton(page, 'Train');
  await page.waitForFunction(() => Number(document.querySelector('[data-testid="step"]')?.textContent) > 10, { timeout: TEXT_TIMEOUT_MS });
  await page.evaluate(() => (window as unknown as { playground: { simulateDeviceLoss(): void } }).playground.simulateDeviceLoss());
  expect(await waitForText(page, 'device-lost', /The GPU device was lost/)).toMatch(/fallback/);
  await clickButton(page, 'Resume on fallback backend');
  expect(await waitForText(page, 'backend', /^(webgl|cpu)$/)).toMatch(/^(webgl|cpu)$/);
  await waitForText(page, 'backend-reason', /device was lost/);
  await waitForText(page, 'step', /^8$/);
  await trainTo(page, 12);
  await firefox.close();
});
