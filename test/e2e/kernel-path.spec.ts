// Issue 13: the backend line says which path trains, ?kernels=tfjs forces the reference
// path, and every model, the CNN included, trains with fused kernels on WebGPU.
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

test('the digits CNN trains on WebGPU with fused kernels, even on a software adapter, and an MLP run after it too', async ({ playground, page }) => {
  test.setTimeout(180_000);
  await playground.open();
  await playground.choose('Demo', 'Handwritten digits');
  await playground.choose('Model', 'Small CNN');
  await expect(playground.backend).toHaveText('webgpu', { timeout: 60_000 });
  await expect(page.getByTestId('kernel-path')).toHaveText('· fused kernels');
  await playground.stepButton.click();
  await expect(playground.stepReadout).toHaveText('1');

  await test.step('an MLP run stays on WebGPU with fused kernels', async () => {
    await playground.choose('Model', 'MLP');
    await expect(playground.backend).toHaveText('webgpu', { timeout: 60_000 });
    await expect(page.getByTestId('kernel-path')).toHaveText('· fused kernels');
    await playground.stepButton.click();
    await expect(playground.stepReadout).toHaveText('1');
  });
});
