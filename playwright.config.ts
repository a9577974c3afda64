import { defineConfig } from '@playwright/test';
import { CHROMIUM_FLAGS, WEBGPU_FLAGS, findChromium } from './scripts/chromium.mjs';

// PW_DEV_PORT / PW_APP_PORT move the two servers, so a second checkout can run its tests
// while another one's servers are up.
const DEV_PORT = Number(process.env.PW_DEV_PORT ?? 5174);
const APP_PORT = Number(process.env.PW_APP_PORT ?? 4173);
/** Lib-level browser tests run against Vite's dev server (it serves src/ modules as they are). */
export const DEV_URL = `http://localhost:${DEV_PORT}`;
/** End-to-end tests run against the production build, served on localhost (a secure context). */
export const APP_URL = `http://localhost:${APP_PORT}`;

const executablePath = findChromium() ?? undefined;

export default defineConfig({
  timeout: 120_000,
  expect: { timeout: 30_000 },
  fullyParallel: false,
  // Two cores: one browser at a time keeps SwiftShader from starving the test it serves.
  workers: 1,
  retries: process.env.CI ? 1 : 0,
  reporter: process.env.CI ? [['list'], ['html', { open: 'never' }]] : 'list',
  use: {
    headless: true,
    trace: 'on-first-retry',
    launchOptions: { executablePath, args: [...CHROMIUM_FLAGS, ...WEBGPU_FLAGS] },
  },
  projects: [
    { name: 'browser', testDir: 'test/browser', use: { baseURL: DEV_URL } },
    { name: 'e2e', testDir: 'test/e2e', use: { baseURL: APP_URL } },
  ],
  webServer: [
    { command: `npx vite --port ${DEV_PORT} --strictPort`, url: DEV_URL, reuseExistingServer: !process.env.CI, timeout: 120_000 },
    { command: `npx vite preview --port ${APP_PORT} --strictPort`, url: APP_URL, reuseExistingServer: !process.env.CI, timeout: 120_000 },
  ],
});
