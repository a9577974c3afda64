// WebGPU in Firefox ESR on Linux: with dom.webgpu.enabled (scripts/firefox.mjs) Firefox takes
// Mesa's lavapipe adapter, a Vulkan driver that runs on the CPU, so this checks that tfjs's
// webgpu backend starts there and that the app's Trainer learns on it, not how fast.
import { test, expect, openPage, HARNESS_PATH } from './support/firefox.ts';

test("tfjs's webgpu backend initialises and a few Trainer steps on the spiral lower the loss", async ({ firefox }) => {
  const page = await openPage(firefox.browser, HARNESS_PATH);
  const result = await page.evaluate(async () => {
    const { tf, engine } = window.lib;
    const adapter = await navigator.gpu?.requestAdapter();
    const ready = await tf.setBackend('webgpu');
    const config = engine.defaultConfig('classify2d');
    const trainer = engine.Trainer.create(config, engine.buildDataset(config));
    await trainer.warmUp();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 60; i++) trainer.trainStep();
    await trainer.readLosses();
    const after = tf.memory().numTensors;
    const losses = [...trainer.lossHistory];
    const path = trainer.kernelPath.kind;
    trainer.dispose();
    return { adapter: adapter !== null && adapter !== undefined, ready, backend: tf.getBackend(), path, losses, before, after };
  });
  expect(result.adapter).toBe(true);
  expect(result.ready).toBe(true);
  expect(result.backend).toBe('webgpu');
  // The default: the fused WGSL step where the model allows it (src/lib/models/mlp-kernels/).
  expect(result.path).toBe('fused');
  expect(result.losses.length).toBe(60);
  expect(result.losses.every(Number.isFinite)).toBe(true);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  expect(mean(result.losses.slice(-10))).toBeLessThan(mean(result.losses.slice(0, 10)));
  expect(result.after, 'tf.memory().numTensors stays flat over training steps').toBe(result.before);
});
