// `npm run bench`: bench/bench.spec.ts in the same Chromium, with the same flags and servers
// as the tests (playwright.config.ts). One worker: on a shared machine a second browser would
// be timed as much as the code under test.
import { fileURLToPath } from 'node:url';
import { defineConfig } from '@playwright/test';
import testConfig, { DEV_URL } from '../playwright.config.ts';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const servers = [testConfig.webServer ?? []].flat();

export default defineConfig({
  testDir: '.',
  testMatch: 'bench.spec.ts',
  // The whole benchmark is one test. It takes about 18 minutes on a quiet two-core machine with
  // SwiftShader (the CNN's tfjs and fit baselines run the fused path's steps at 0.5-1 step/s,
  // about 7 of them); the limit only stops a hung run.
  timeout: 1_800_000,
  expect: { timeout: 60_000 },
  workers: 1,
  retries: 0,
  reporter: 'list',
  use: { ...testConfig.use, trace: 'off', baseURL: DEV_URL },
  // Web servers start in the config's folder unless told otherwise; Vite needs the repo root.
  webServer: servers.map((server) => ({ ...server, cwd: repoRoot })),
});
