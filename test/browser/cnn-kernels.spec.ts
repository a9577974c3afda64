// The fused WGSL training step for the digits CNN (src/lib/models/cnn-kernels/) on real
// WebGPU, against TensorFlow.js's ops on the CPU from the same weights, batches and dropout
// masks, for every optimizer with dropout and L2 on; its evaluation against tfjs's on the
// CPU; then determinism, exact resume, checkpoints that move between the fused path and the
// CPU, and resources that stay flat while training and evaluating.
// The runs are small (800 digits, batch 8; see test/support/cnn-kernel-checks.ts).
import { test, expect } from './support/checkpoint-fixtures.ts';

const OPTIMIZERS = ['sgd', 'momentum', 'adam', 'rmsprop'] as const;

for (const optimizer of OPTIMIZERS) {
  test(`the fused CNN step follows tfjs's ops with ${optimizer}, dropout and L2`, async ({ page }) => {
    test.setTimeout(300_000);
    const result = await page.evaluate((o) => window.lib.cnnKernelChecks.compareWithTfjsOps(o, 200), optimizer);
    expect(result.kernelPath).toBe('fused');
    expect(result.firstStepGradient, 'the first step’s gradient').toBeLessThan(1e-5);
    expect(result.losses, '200 steps’ losses').toBeLessThan(1e-4);
  });
}

test('the fused CNN evaluation of the 2,000 test digits runs no TensorFlow.js op and agrees with tfjs on the CPU', async ({ page }) => {
  test.setTimeout(300_000);
  const result = await page.evaluate(() => window.lib.cnnKernelChecks.compareEvaluations(100, 2000));
  expect(result.kernelPath).toBe('fused');
  expect(result.rows).toBe(2000);
  expect(result.tfjsKernels, 'tfjs kernels run by evaluate()').toBe(0);
  expect(result.loss, 'test loss, relative').toBeLessThan(1e-5);
  expect(result.differentPredictions, JSON.stringify(result)).toBe(0);
  expect(result.accuracy.fused).toBe(result.accuracy.tfjs);
  expect(result.repeatIsIdentical).toBe(true);
});

test('a fused CNN run starts (create, warm-up, first evaluation) without compiling or running a TensorFlow.js op', async ({ page }) => {
  test.setTimeout(300_000);
  expect(await page.evaluate(() => window.lib.cnnKernelChecks.tfjsKernelsAtStart())).toEqual([]);
});

test('two fused CNN runs are bit-identical', async ({ page }) => {
  test.setTimeout(300_000);
  expect(await page.evaluate(() => window.lib.cnnKernelChecks.fusedRunsAreIdentical('adam', 100))).toBe(true);
});

test('a fused CNN run resumes bit-exactly, and checkpoints move between the fused path and the CPU', async ({ page }) => {
  test.setTimeout(300_000);
  const result = await page.evaluate(() => window.lib.cnnKernelChecks.compareResumes('adam', 50, 100));
  expect(result.resumedPath).toBe('fused');
  expect(result.fusedResumeIsExact).toBe(true);
  expect(result.fusedToCpu, 'fused checkpoint continued on the CPU').toBeLessThan(1e-4);
  expect(result.cpuToFused, 'CPU checkpoint continued fused').toBeLessThan(1e-4);
});

test('tensors and GPU buffers stay flat over 500 fused CNN steps and 30 evaluations', async ({ page }) => {
  test.setTimeout(300_000);
  const counts = await page.evaluate(() => window.lib.cnnKernelChecks.resourceCountsWhileTraining(10, 50, 3));
  expect(new Set(counts.tensors.slice(1)).size, JSON.stringify(counts)).toBe(1);
  expect(new Set(counts.gpuBuffers).size, JSON.stringify(counts)).toBe(1);
});
