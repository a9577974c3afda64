// The first conv layer of the digits CNN runs as im2col + matMul on WebGPU
// (src/lib/models/conv-layer.ts), because tfjs's conv2d shader with one input channel takes
// most of a CNN step on SwiftShader. Here, on real WebGPU: the same numbers as tfjs's conv2d,
// and a CNN trained on WebGPU follows one trained on the CPU.
import { test, expect } from './support/checkpoint-fixtures.ts';

test('on WebGPU, convRelu gives tfjs conv2d’s outputs and kernel and bias gradients', async ({ page }) => {
  const differences = await page.evaluate(async () => {
    const { tf, convLayerCheck } = window.lib;
    if (!(await tf.setBackend('webgpu'))) throw new Error('WebGPU did not initialise; the test browser needs --enable-unsafe-webgpu.');
    return convLayerCheck.compareWithStockConv([
      { input: [4, 28, 28, 1], kernel: [3, 3, 1, 8], isInput: true },
      { input: [2, 6, 5, 1], kernel: [2, 4, 1, 3], isInput: true },
    ]);
  });
  for (const d of differences) {
    expect(d.value, JSON.stringify(d.case)).toBeLessThan(1e-5);
    expect(d.kernel, JSON.stringify(d.case)).toBeLessThan(1e-4);
    expect(d.bias, JSON.stringify(d.case)).toBeLessThan(1e-4);
  }
});

test('a digits CNN trained on WebGPU follows the CPU’s losses step for step', async ({ page }) => {
  test.setTimeout(180_000);
  const losses = await page.evaluate(async () => {
    const { tf, engine, trainBench } = window.lib;
    const mnist = await trainBench.loadMnist('/data/mnist.bin');
    const config = { ...engine.defaultConfig('digits'), model: 'cnn' as const, batchSize: 16 };
    const dataset = engine.buildDataset(config, { mnist });
    const lossesOn = async (backend: 'cpu' | 'webgpu') => {
      if (!(await tf.setBackend(backend))) throw new Error(`The ${backend} backend did not initialise.`);
      const trainer = engine.Trainer.create(config, dataset);
      for (let i = 0; i < 4; i++) trainer.trainStep();
      await trainer.readLosses();
      const result = [...trainer.lossHistory];
      trainer.dispose();
      return result;
    };
    return { cpu: await lossesOn('cpu'), webgpu: await lossesOn('webgpu') };
  });
  expect(losses.webgpu).toHaveLength(4);
  // Step 1 checks the forward pass; steps 2-4 the gradients that moved the weights.
  losses.webgpu.forEach((loss, i) => expect(Math.abs(loss - losses.cpu[i]) / losses.cpu[i], `step ${i + 1}`).toBeLessThan(1e-3));
});
