// The README's WebGPU reference for the Text demo, run only when asked (it trains for minutes):
//
//   TEXT_REFERENCE_WEBGPU=1 npx playwright test --project=browser test/browser/text-reference-webgpu.spec.ts
//
// The default model (defaultConfig('text'): 2 layers × 64, 4 heads, context 32, batch 32) on the
// city names, trained on this browser's WebGPU through the fused kernels as the app trains it,
// for TEXT_REFERENCE_STEPS steps (default 1,000), with the held-out bits per character, the
// time taken and a sample at every evaluation. Prints; asserts only that the model learned.
import { test, expect } from './support/checkpoint-fixtures.ts';

const STEPS = Number(process.env.TEXT_REFERENCE_STEPS ?? 1000);

test.skip(!process.env.TEXT_REFERENCE_WEBGPU, 'a manual reference run; set TEXT_REFERENCE_WEBGPU=1');

test('the default Text model on WebGPU: held-out bits per character and samples over time', async ({ page }) => {
  test.setTimeout(60 * 60_000);
  page.on('console', (message) => console.log(message.text()));
  const heldOutBits = await page.evaluate((steps) => window.lib.gptKernelChecks.trainDefaultTextModel(steps), STEPS);
  // Uniform over the ~57 characters is 5.8 bits.
  expect(heldOutBits).toBeLessThan(4);
});
