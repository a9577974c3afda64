// The fused GPT training step (src/lib/text/model/gpt-kernels/) on Firefox's WebGPU
// (wgpu/Naga on lavapipe), with the checks, sizes and tolerances of
// test/browser/gpt-kernels.spec.ts (test/support/gpt-kernel-checks.ts).
import { describe, expect, test } from 'vitest';
import { sharedHarnessPage } from './support/firefox.ts';

describe('fused GPT kernels in Firefox', () => {
  const harness = sharedHarnessPage();

  test('one fused GPT step has the gradients and AdamW moments of tfjs ops', async () => {
    const result = await harness.page.evaluate(() => window.lib.gptKernelChecks.compareOneStep());
    expect(result.gradient, JSON.stringify(result.perParam)).toBeLessThan(1e-5);
    expect(result.moments).toBeLessThan(1e-5);
    expect(Math.abs(result.loss.fused - result.loss.tfjs) / result.loss.tfjs).toBeLessThan(1e-5);
  });

  test('the fused forward passes (held-out loss, next-character logits, attention) match tfjs ops', async () => {
    const result = await harness.page.evaluate(() => window.lib.gptKernelChecks.compareForward());
    expect(result.loss).toBeLessThan(1e-5);
    expect(result.lastLogits).toBeLessThan(1e-5);
    expect(result.attention).toBeLessThan(1e-5);
  });

  test('200 fused GPT steps follow tfjs ops on the CPU', async () => {
    const result = await harness.page.evaluate(() => window.lib.gptKernelChecks.compareTrainerWithTfjsOps(200));
    expect(result.kernelPath).toBe('fused');
    expect(result.losses).toBeLessThan(1e-4);
  });

  test('two fused GPT runs are bit-identical', async () => {
    expect(await harness.page.evaluate(() => window.lib.gptKernelChecks.fusedTextRunsAreIdentical(100))).toBe(true);
  });

  test('a fused GPT run resumes bit-exactly, and checkpoints move between the fused path and the CPU', async () => {
    const result = await harness.page.evaluate(() => window.lib.gptKernelChecks.compareTextResumes(50, 100));
    expect(result.resumedPath).toBe('fused');
    expect(result.fusedResumeIsExact).toBe(true);
    expect(result.fusedToCpu).toBeLessThan(1e-4);
    expect(result.cpuToFused).toBeLessThan(1e-4);
  });

  test('tensors and GPU buffers stay flat over 500 fused GPT steps', async () => {
    const counts = await harness.page.evaluate(() => window.lib.gptKernelChecks.textResourceCounts(10, 50));
    expect(new Set(counts.tensors).size, JSON.stringify(counts)).toBe(1);
    expect(new Set(counts.gpuBuffers).size, JSON.stringify(counts)).toBe(1);
  });
});
