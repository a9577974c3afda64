// Issue 13: the backend line says which path trains, ?kernels=tfjs forces the reference
// path, and on a software adapter a model that trains faster on the CPU there (the CNN, whose
// evaluation runs on TensorFlow.js ops) trains on the CPU.
import { test, expect } from './fixtures.ts';

test('on WebGPU the spiral trains with fused kernels, and the backend line says so', async ({ playground, page }) => {
  await playground.open();
  await expect(playground.backend).toHaveText('webgpu');
  await expect(page.getByTestId('kernel-path')).toHaveText('· fused kernels');
  await playground.trainTo(20);
  expect(Number.isFinite(await playground.lossValue())).toBe(true);
});

test('?kernels=tfjs trains with TensorFlow.js ops and says why', async ({ playground, page }) => {
  await playground.open('?kernels=tfjs');
  await expect(playground.backend).toHaveText('webgpu');
  await expect(page.getByTestId('kernel-path')).toHaveText('· TensorFlow.js ops (TensorFlow.js ops were asked for)');
  await playground.trainTo(3);
});

test('an unknown ?kernels= value is reported in a sentence, and fused kernels are used', async ({ playground, page }) => {
  await playground.open('?kernels=fastest');
  await expect(page.getByText('The URL asks for ?kernels=fastest, which is not one of auto, tfjs; using fused kernels where they exist.')).toBeVisible();
  await expect(page.getByTestId('kernel-path')).toHaveText('· fused kernels');
});

test('on a software adapter the digits CNN, whose evaluation has no fused kernels, trains on the CPU and the page says why', async ({ playground, page }) => {
  test.setTimeout(180_000);
  await playground.open();
  await playground.choose('Demo', 'Handwritten digits');
  await playground.choose('Model', 'Small CNN');
  await expect(playground.backend).toHaveText('cpu', { timeout: 60_000 });
  await expect(page.getByTestId('kernel-path')).toHaveText(
    '· TensorFlow.js ops (WebGPU here is a software adapter (google swiftshader) and the CNN is evaluated with TensorFlow.js ops, about 12 times slower there than on the CPU, so this run trains on the CPU, which is faster here)',
  );
  await playground.stepButton.click();
  await expect(playground.stepReadout).toHaveText('1');

  await test.step('an MLP run goes back to WebGPU with fused kernels', async () => {
    await playground.choose('Model', 'MLP');
    await expect(playground.backend).toHaveText('webgpu', { timeout: 60_000 });
    await expect(page.getByTestId('kernel-path')).toHaveText('· fused kernels');
    await playground.stepButton.click();
    await expect(playground.stepReadout).toHaveText('1');
  });
});
