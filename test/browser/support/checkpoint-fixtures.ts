// Fixtures for checkpoint tests. Each test gets its own Chromium profile on disk
// (testInfo.outputPath('user-data-dir')), so IndexedDB is the real on-disk backend rather
// than the in-memory one of an incognito context, and nothing leaks between tests.
import { test as base, chromium, type BrowserContext, type LaunchOptions, type Page } from '@playwright/test';

export const HARNESS_PATH = '/test/browser/harness.html';

/** Opens the harness in `page` and switches tfjs to the CPU backend (two cores, software WebGPU). */
export async function openHarness(page: Page): Promise<void> {
  await muteViteReloads(page);
  await page.goto(HARNESS_PATH);
  await page.waitForFunction(() => window.lib !== undefined);
  await page.evaluate(() => window.lib.tf.setBackend('cpu'));
}

/** A Chromium with its profile in `profileDir`; launching twice on one directory is a browser restart. */
export function launchProfile(profileDir: string, launchOptions: LaunchOptions, baseURL: string | undefined): Promise<BrowserContext> {
  return chromium.launchPersistentContext(profileDir, { ...launchOptions, headless: true, baseURL });
}

/**
 * Answers Vite's HMR socket in the test and never sends anything: an edit elsewhere in the
 * repo (or a dependency re-optimisation) would otherwise reload the page mid-test.
 */
export function muteViteReloads(page: Page): Promise<void> {
  return page.routeWebSocket(/.*/, () => {});
}

export const test = base.extend<{ context: BrowserContext; page: Page }>({
  context: async ({ launchOptions, baseURL }, use, testInfo) => {
    const context = await launchProfile(testInfo.outputPath('user-data-dir'), launchOptions, baseURL);
    await use(context);
    await context.close();
  },
  page: async ({ context }, use) => {
    const page = context.pages()[0] ?? (await context.newPage());
    await openHarness(page);
    await use(page);
  },
});

export { expect } from '@playwright/test';
