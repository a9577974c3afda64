// The checkpoint benchmark (checkpoint-bench.ts) in Firefox, for `npm run bench`: launched by
// puppeteer-core over WebDriver BiDi as the Firefox tests do (test/firefox/support/firefox.ts,
// which needs Vitest's runner, so the launch is repeated here), on a profile on disk so that
// IndexedDB is Firefox's real on-disk store. Its figures are reported, not held to goals.
import puppeteer from 'puppeteer-core';
import { findFirefox } from '../scripts/firefox.mjs';
import type { CheckpointBenchResult } from './checkpoint-bench.ts';

/** Runs runCheckpointBench in Firefox on the harness page at `harnessUrl`, or says why it could not. */
export async function runCheckpointBenchInFirefox(
  harnessUrl: string,
  profileDir: string,
  options: { sizesMiB: number[]; repeats: number },
): Promise<{ result: CheckpointBenchResult } | { skipped: string }> {
  const executablePath = findFirefox();
  if (!executablePath) return { skipped: 'No Firefox found: set FIREFOX_PATH or run `node scripts/firefox.mjs` to install firefox-esr.' };
  const browser = await puppeteer.launch({ browser: 'firefox', executablePath, headless: true, userDataDir: profileDir });
  try {
    const page = await browser.newPage();
    page.on('console', (message) => {
      if (message.type() === 'log' && !message.text().startsWith('[vite]')) console.log(`  firefox: ${message.text()}`);
    });
    await page.goto(harnessUrl);
    await page.waitForFunction(() => window.lib !== undefined, { timeout: 120_000 });
    const result = await page.evaluate(
      async ({ sizesMiB, repeats }) => {
        const { runCheckpointBench } = window.lib.checkpointBench;
        // A warm-up pass first, as in Chromium.
        await runCheckpointBench({ sizesMiB: [1], chunkSizes: [], comparisonMiB: 1, repeats: 1 });
        return runCheckpointBench({ sizesMiB, chunkSizes: [], comparisonMiB: 1, repeats, onLog: (line) => console.log(line) });
      },
      options,
    );
    return { result };
  } finally {
    await browser.close();
  }
}

/** Flat figures `checkpoint.firefox.<MB>.…`: the same ratios as Chromium's, without the snapshot and restore. */
export function firefoxFigures(result: CheckpointBenchResult): Record<string, number> {
  const figures: Record<string, number> = {};
  for (const { sizeMiB, checkpoint, hashing, rawIndexedDB, tfjsIndexedDB } of result.sizes) {
    const key = `checkpoint.firefox.${sizeMiB}`;
    const saveMs = (sizeMiB / checkpoint.saveMiBps) * 1000;
    Object.assign(figures, {
      [`${key}.saveMBps`]: checkpoint.saveMiBps,
      [`${key}.rawPutMBps`]: rawIndexedDB.saveMiBps,
      [`${key}.tfjsSaveMBps`]: tfjsIndexedDB.saveMiBps,
      [`${key}.loadMBps`]: checkpoint.loadMiBps,
      [`${key}.tfjsLoadMBps`]: tfjsIndexedDB.loadMiBps,
      [`${key}.saveVsTfjsSave`]: checkpoint.saveMiBps / tfjsIndexedDB.saveMiBps,
      [`${key}.saveVsRawPut`]: checkpoint.saveMiBps / rawIndexedDB.saveMiBps,
      [`${key}.loadVsTfjsLoad`]: checkpoint.loadMiBps / tfjsIndexedDB.loadMiBps,
      [`${key}.hashShare`]: hashing.hashMs / saveMs,
    });
  }
  return figures;
}
