// Issue 13: the backend line says which path trains, ?kernels=tfjs forces the reference
// path, and every model trains with fused kernels on WebGPU, even on a software adapter: the
// digits CNN, which went to the CPU there while its evaluation ran on TensorFlow.js ops, too.
import { defaultConfig } from '../../src/lib/engine/config.ts';
import { experimentHash } from '../../src/lib/share/hash-state.ts';
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

test('on a software adapter the digits CNN trains and is evaluated on WebGPU with fused kernels', async ({ playground, page }) => {
  test.setTimeout(180_000);
  // Opened on the CNN, so the backend line can only be the CNN run's.
  await playground.open(experimentHash({ config: { ...defaultConfig('digits'), model: 'cnn' }, hide: [] }));
  await expect(page.getByTestId('kernel-path')).toHaveText('· fused kernels', { timeout: 60_000 });
  await expect(playground.backend).toHaveText('webgpu');
  await playground.stepButton.click();
  await expect(playground.stepReadout).toHaveText('1');
  await expect(page.getByTestId('test-accuracy')).toHaveText(/^\d+\.\d%$/);
});
