// The fused WGSL training step for the digits CNN (src/lib/models/cnn-kernels/) on Firefox's
// WebGPU (lavapipe), with the checks, sizes and tolerances of test/browser/cnn-kernels.spec.ts
// (test/support/cnn-kernel-checks.ts). The runs are small (800 digits, batch 8; the evaluation
// check evaluates all 2,000 test digits): the whole file took about 1.5 minutes here. The
// checks keep nothing on disk, so one Firefox serves it.
import { describe, expect, test } from 'vitest';
import { sharedHarnessPage } from './support/firefox.ts';

const STEPS = 200;

describe('fused CNN kernels in Firefox', () => {
  const harness = sharedHarnessPage();

  for (const optimizer of ['sgd', 'momentum', 'adam', 'rmsprop'] as const) {
    test(`the fused CNN step follows tfjs's ops with ${optimizer}, dropout and L2`, async () => {
      const result = await harness.page.evaluate((o, n) => window.lib.cnnKernelChecks.compareWithTfjsOps(o, n), optimizer, STEPS);
      expect(result.kernelPath).toBe('fused');
      expect(result.firstStepGradient, 'the first step’s gradient').toBeLessThan(1e-5);
      expect(result.losses, `${STEPS} steps’ losses`).toBeLessThan(1e-4);
    });
  }

  test('the fused CNN evaluation of the 2,000 test digits runs no TensorFlow.js op and agrees with tfjs on the CPU', async () => {
    const result = await harness.page.evaluate(() => window.lib.cnnKernelChecks.compareEvaluations(100, 2000));
    expect(result.kernelPath).toBe('fused');
    expect(result.rows).toBe(2000);
    expect(result.tfjsKernels, 'tfjs kernels run by evaluate()').toBe(0);
    expect(result.loss, 'test loss, relative').toBeLessThan(1e-5);
    expect(result.differentPredictions, JSON.stringify(result)).toBe(0);
    expect(result.accuracy.fused).toBe(result.accuracy.tfjs);
    expect(result.repeatIsIdentical).toBe(true);
  });

  test('a fused CNN run starts (create, warm-up, first evaluation) without compiling or running a TensorFlow.js op', async () => {
    expect(await harness.page.evaluate(() => window.lib.cnnKernelChecks.tfjsKernelsAtStart())).toEqual([]);
  });

  test('two fused CNN runs are bit-identical', async () => {
    expect(await harness.page.evaluate(() => window.lib.cnnKernelChecks.fusedRunsAreIdentical('adam', 100))).toBe(true);
  });

  test('a fused CNN run resumes bit-exactly, and checkpoints move between the fused path and the CPU', async () => {
    const result = await harness.page.evaluate(() => window.lib.cnnKernelChecks.compareResumes('adam', 50, 100));
    expect(result.resumedPath).toBe('fused');
    expect(result.fusedResumeIsExact).toBe(true);
    expect(result.fusedToCpu, 'fused checkpoint continued on the CPU').toBeLessThan(1e-4);
    expect(result.cpuToFused, 'CPU checkpoint continued fused').toBeLessThan(1e-4);
  });

  test('tensors and GPU buffers stay flat over 500 fused CNN steps and 30 evaluations', async () => {
    const counts = await harness.page.evaluate(() => window.lib.cnnKernelChecks.resourceCountsWhileTraining(10, 50, 3));
    expect(new Set(counts.tensors.slice(1)).size, JSON.stringify(counts)).toBe(1);
    expect(new Set(counts.gpuBuffers).size, JSON.stringify(counts)).toBe(1);
  });
});
