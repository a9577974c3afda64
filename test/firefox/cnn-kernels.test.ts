// The fused WGSL training step for the digits CNN (src/lib/models/cnn-kernels/) on Firefox's
// WebGPU (lavapipe), with the checks, sizes and tolerances of test/browser/cnn-kernels.spec.ts
// (test/support/cnn-kernel-checks.ts). The runs are small (800 digits, batch 8): the whole
// file took about 1.5 minutes here. The checks keep nothing on disk, so one Firefox serves it.
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

  test('tensors and GPU buffers stay flat over 500 fused CNN steps', async () => {
    const counts = await harness.page.evaluate(() => window.lib.cnnKernelChecks.resourceCountsWhileTraining(10, 50));
    expect(new Set(counts.tensors.slice(1)).size, JSON.stringify(counts)).toBe(1);
    expect(new Set(counts.gpuBuffers).size, JSON.stringify(counts)).toBe(1);
  });
});
