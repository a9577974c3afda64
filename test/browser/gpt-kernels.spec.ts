// The fused WGSL training step of the Text demo's transformer (src/lib/text/model/gpt-kernels/)
// on real WebGPU, against TensorFlow.js's ops on the CPU from the same weights, windows and
// dropout masks, with dropout, weight decay and clipping on; then determinism, exact resume,
// checkpoints that move between the fused path and the CPU, and resources that stay flat.
// The model is small (2 layers × 16, 2 heads, context 8, batch 4; test/support/gpt-kernel-checks.ts).
import { test, expect } from './support/checkpoint-fixtures.ts';

test('one fused GPT step has the gradients and AdamW moments of tfjs ops', async ({ page }) => {
  test.setTimeout(120_000);
  const result = await page.evaluate(() => window.lib.gptKernelChecks.compareOneStep());
  expect(result.gradient, JSON.stringify(result.perParam)).toBeLessThan(1e-5);
  expect(result.moments, 'AdamW first moments after clipping').toBeLessThan(1e-5);
  expect(Math.abs(result.loss.fused - result.loss.tfjs) / result.loss.tfjs).toBeLessThan(1e-5);
});

test('the fused forward passes (held-out loss, next-character logits, attention) match tfjs ops', async ({ page }) => {
  test.setTimeout(120_000);
  const result = await page.evaluate(() => window.lib.gptKernelChecks.compareForward());
  expect(result.loss).toBeLessThan(1e-5);
  expect(result.lastLogits).toBeLessThan(1e-5);
  expect(result.attention).toBeLessThan(1e-5);
});

test('200 fused GPT steps follow tfjs ops on the CPU', async ({ page }) => {
  test.setTimeout(300_000);
  const result = await page.evaluate(() => window.lib.gptKernelChecks.compareTrainerWithTfjsOps(200));
  expect(result.kernelPath).toBe('fused');
  expect(result.losses, '200 steps’ losses').toBeLessThan(1e-4);
});

test('two fused GPT runs are bit-identical', async ({ page }) => {
  test.setTimeout(300_000);
  expect(await page.evaluate(() => window.lib.gptKernelChecks.fusedTextRunsAreIdentical(100))).toBe(true);
});

test('a fused GPT run resumes bit-exactly, and checkpoints move between the fused path and the CPU', async ({ page }) => {
  test.setTimeout(300_000);
  const result = await page.evaluate(() => window.lib.gptKernelChecks.compareTextResumes(50, 100));
  expect(result.resumedPath).toBe('fused');
  expect(result.fusedResumeIsExact).toBe(true);
  expect(result.fusedToCpu, 'fused checkpoint continued on the CPU').toBeLessThan(1e-4);
  expect(result.cpuToFused, 'CPU checkpoint continued fused').toBeLessThan(1e-4);
});

test('tensors and GPU buffers stay flat over 500 fused GPT steps with evaluations, samples and captures', async ({ page }) => {
  test.setTimeout(300_000);
  const counts = await page.evaluate(() => window.lib.gptKernelChecks.textResourceCounts(10, 50));
  expect(new Set(counts.tensors).size, JSON.stringify(counts)).toBe(1);
  expect(new Set(counts.gpuBuffers).size, JSON.stringify(counts)).toBe(1);
});

test('the bigram, and a transformer too large for the device, train on tfjs ops and say why', async ({ page }) => {
  const bigram = await page.evaluate(() => window.lib.gptKernelChecks.textKernelPathFor({ model: 'bigram' }));
  expect(bigram).toEqual({ kind: 'tfjs', reason: 'the bigram table has no fused kernels, only the transformer does' });
  // 512 windows of 256 characters at width 256: gigabytes of activations.
  const huge = await page.evaluate(() => window.lib.gptKernelChecks.textKernelPathFor({ batchSize: 512, context: 256, width: 256, heads: 8 }));
  expect(huge.kind).toBe('tfjs');
  expect(huge.reason).toMatch(/^this model and batch need a \d+ MB buffer, more than this GPU binds \(\d+ MB\); a smaller batch, context or width fits$/);
});
