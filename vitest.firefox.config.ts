import { defineConfig } from 'vitest/config';

/**
 * The Firefox suite (`npm run test:firefox`): Vitest in Node drives Firefox ESR through
 * puppeteer-core over WebDriver BiDi. Playwright cannot drive it here (its own Firefox
 * cannot be downloaded, and its moz-firefox channel fails against ESR), and Vitest is
 * already the project's Node runner.
 */
export default defineConfig({
  test: {
    include: ['test/firefox/**/*.test.ts'],
    environment: 'node',
    globalSetup: ['test/firefox/support/dev-server.ts'],
    // One Firefox at a time: two cores, and lavapipe renders WebGPU on the CPU.
    fileParallelism: false,
    maxWorkers: 1,
    // Launching Firefox and loading tfjs through the dev server takes seconds, training on
    // lavapipe and writing 16 MB checkpoints more; a hang still fails rather than stalls CI.
    testTimeout: 180_000,
    hookTimeout: 120_000,
  },
});
