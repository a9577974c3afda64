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
  const heldOutBits = await page.evaluate(async (steps) => {
    const { tf } = window.lib;
    await tf.setBackend('webgpu');
    const { DatasetSource } = await import('/src/lib/worker/dataset-source.ts');
    const { TextTrainer } = await import('/src/lib/text/text-trainer.ts');
    const { defaultConfig } = await import('/src/lib/engine/config.ts');
    const config = defaultConfig('text');
    // The app's own loader: the city names from our origin, beside the digits asset.
    const source = new DatasetSource();
    source.mnistUrl = new URL('/data/mnist.bin', location.origin).href;
    const trainer = TextTrainer.create(config, await source.buildText(config));
    const started = performance.now();
    let bits = NaN;
    try {
      await trainer.warmUp();
      console.log(`path ${trainer.kernelPath.kind}, compiled in ${((performance.now() - started) / 1000).toFixed(1)} s`);
      while (trainer.step < steps) {
        for (let i = 0; i < 100; i++) trainer.trainStep();
        await trainer.readLosses();
        if (trainer.step % 200 !== 0 && trainer.step < steps) continue;
        const { evaluation } = await trainer.evaluate();
        bits = evaluation.testLoss / Math.LN2;
        const sample = await trainer.sample('\n', 0.8, 60);
        const seconds = (performance.now() - started) / 1000;
        console.log(`step ${trainer.step}: held-out ${bits.toFixed(3)} bits/char, ${seconds.toFixed(0)} s; sample: ${JSON.stringify(sample.text)}`);
      }
    } finally {
      trainer.dispose();
    }
    return bits;
  }, STEPS);
  // Uniform over the ~57 characters is 5.8 bits.
  expect(heldOutBits).toBeLessThan(4);
});
