// Firefox for the Firefox suite: launched by puppeteer-core over WebDriver BiDi, with a fresh
// profile directory per test so that IndexedDB is Firefox's real on-disk backend and nothing
// leaks between tests. puppeteer-core spawns Firefox in a process group of its own (detached
// on Linux), so one SIGKILL to the group is a crash of the whole browser.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { afterAll, beforeAll, test as base, inject } from 'vitest';
import { WEBGPU_PREFS, findFirefox } from '../../../scripts/firefox.mjs';

/** Every src/lib module as window.lib (test/browser/harness.ts). */
export const HARNESS_PATH = '/test/browser/harness.html';
/** Only the checkpoint store as window.checkpointLib: loads fast after each restart. */
export const CHECKPOINT_PAGE_PATH = '/test/browser/support/checkpoint-page.html';

export interface Firefox {
  browser: Browser;
  /** SIGKILL to Firefox's process group; resolves once the browser process has exited. */
  kill(): Promise<void>;
  /** A clean shutdown, or a kill if Firefox does not answer. */
  close(): Promise<void>;
}

/** A Firefox on `profileDir`; launching twice on one directory is a browser restart. */
export async function launchFirefox(profileDir: string, prefs: Record<string, unknown> = {}): Promise<Firefox> {
  const executablePath = findFirefox();
  if (!executablePath) throw new Error('No Firefox found: set FIREFOX_PATH or run `node scripts/firefox.mjs` to install firefox-esr.');
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath,
    headless: true,
    userDataDir: profileDir,
    extraPrefsFirefox: { ...WEBGPU_PREFS, ...prefs },
  });
  // puppeteer backs up the profile's prefs.js and user.js before it writes its own prefs, and
  // puts the backups back once the browser has exited, in the background. After a kill that
  // restore races with the relaunch on the same profile, which then fails to copy a file it
  // just saw. Without backups there is nothing to restore; Firefox has read its prefs by now.
  await Promise.all(['prefs.js.puppeteer', 'user.js.puppeteer'].map((file) => rm(join(profileDir, file), { force: true })));
  const child = browser.process()!;
  const exited = new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));
  const kill = async () => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // The group is already gone.
    }
    await exited;
  };
  return {
    browser,
    kill,
    async close() {
      await browser.close().catch(kill);
      await exited;
    },
  };
}

/** Opens `path` on the dev server in a new tab of `browser` and waits for its modules. */
export async function openPage(browser: Browser, path: typeof HARNESS_PATH | typeof CHECKPOINT_PAGE_PATH): Promise<Page> {
  const page = await browser.newPage();
  // A module that fails to load leaves window.lib unset: say which one, not just "timed out".
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(String(error)));
  await page.goto(new URL(path, inject('devServerUrl')).href);
  await page
    .waitForFunction(path === HARNESS_PATH ? () => window.lib !== undefined : () => window.checkpointLib !== undefined, { timeout: 60_000 })
    .catch((error: Error) => {
      throw new Error(`${path} did not load in Firefox: ${errors.join('; ') || error.message}`);
    });
  return page;
}

/**
 * `profileDir`: a fresh, empty directory for this test, removed afterwards.
 * `launchOnProfile`: launches a Firefox on it (again, for a restart); every one still running
 * when the test ends, by failure or timeout too, is killed, so that no detached browser
 * outlives the test and writes into a profile being removed.
 * `firefox`: a Firefox on it with WebGPU on, closed afterwards.
 * `page`: the checkpoint page in a tab of that Firefox; it loads in a second where the full
 * harness, with tfjs, takes three. Tests that need window.lib open HARNESS_PATH themselves.
 */
export const test = base.extend<{
  profileDir: string;
  launchOnProfile: (prefs?: Record<string, unknown>) => Promise<Firefox>;
  firefox: Firefox;
  page: Page;
}>({
  profileDir: async ({}, use) => {
    const dir = await mkdtemp(join(tmpdir(), 'firefox-profile-'));
    await use(dir);
    await rm(dir, { recursive: true, force: true });
  },
  launchOnProfile: async ({ profileDir }, use) => {
    const launched: Firefox[] = [];
    await use(async (prefs) => {
      const firefox = await launchFirefox(profileDir, prefs);
      launched.push(firefox);
      return firefox;
    });
    await Promise.all(launched.map((firefox) => firefox.kill()));
  },
  firefox: async ({ launchOnProfile }, use) => {
    const firefox = await launchOnProfile();
    await use(firefox);
    await firefox.close();
  },
  page: async ({ firefox }, use) => {
    await use(await openPage(firefox.browser, CHECKPOINT_PAGE_PATH));
  },
});

export { expect } from 'vitest';

/**
 * One Firefox and one harness page (window.lib) for every test of the calling describe block,
 * for suites whose tests only evaluate in-page checks: loading tfjs once saves seconds a test.
 * Read `.page` inside tests; it is set by the block's beforeAll.
 */
export function sharedHarnessPage(): { readonly page: Page } {
  let profileDir = '';
  let firefox: Firefox | undefined;
  let page: Page | undefined;
  beforeAll(async () => {
    profileDir = await mkdtemp(join(tmpdir(), 'firefox-profile-'));
    firefox = await launchFirefox(profileDir);
    page = await openPage(firefox.browser, HARNESS_PATH);
  });
  afterAll(async () => {
    await firefox?.close();
    if (profileDir) await rm(profileDir, { recursive: true, force: true });
  });
  return {
    get page(): Page {
      if (!page) throw new Error('The shared Firefox page is opened in beforeAll; read it inside a test.');
      return page;
    },
  };
}
