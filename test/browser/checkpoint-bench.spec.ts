// Runs bench/checkpoint-bench.ts in the harness page. By default a quick smoke run that only
// checks the harness works; CHECKPOINT_BENCH=full measures everything and prints the tables.
import { test, expect } from './support/checkpoint-fixtures.ts';

const full = process.env.CHECKPOINT_BENCH === 'full';

test('the checkpoint benchmark runs and returns throughput numbers', async ({ page }, testInfo) => {
  test.setTimeout(full ? 900_000 : 120_000);
  const options = full ? {} : { sizesMiB: [1], chunkSizes: [1024 * 1024], comparisonMiB: 4, repeats: 1 };
  const { result, table } = await page.evaluate(async (options) => {
    const { runCheckpointBench, formatCheckpointBench } = window.lib.checkpointBench;
    const result = await runCheckpointBench({ ...options, onLog: (line) => console.log(line) });
    return { result, table: formatCheckpointBench(result) };
  }, options);
  await testInfo.attach('checkpoint-bench.json', { body: JSON.stringify(result, null, 2), contentType: 'application/json' });
  if (full) console.log(`${result.userAgent}\n\n${table}`);
  const numbers = [
    ...result.chunkSizes.flatMap((r) => [r.saveMiBps, r.loadMiBps]),
    ...result.storedBytes.flatMap((r) => [r.commitMs, r.saveMiBps, r.loadMiBps]),
    ...result.sizes.flatMap((r) => [r.checkpoint, r.rawIndexedDB, r.tfjsIndexedDB].flatMap((t) => [t.saveMiBps, t.loadMiBps])),
  ];
  expect(numbers.length).toBeGreaterThan(0);
  for (const n of numbers) expect(n).toBeGreaterThan(0);
});
