// The fused WGSL training step for MLPs (src/lib/models/mlp-kernels/) on real WebGPU, against
// TensorFlow.js's ops on the same device from the same weights, batches and dropout masks,
// for every optimizer with dropout and L2 on; then determinism, exact resume, checkpoints
// that move between the fused path and the CPU, and resources that stay flat.
import { test, expect } from './support/checkpoint-fixtures.ts';
import type { MlpModelName } from '../support/mlp-kernel-checks.ts';

const OPTIMIZERS = ['sgd', 'momentum', 'adam', 'rmsprop'] as const;
const MODELS: { model: MlpModelName; steps: number }[] = [
  { model: 'spiral', steps: 200 },
  { model: 'curve', steps: 200 },
  // tfjs's ops run the digits MLP at ~15 steps/s on SwiftShader, so fewer steps keep this test short.
  { model: 'digits', steps: 60 },
];

for (const { model, steps } of MODELS) {
  for (const optimizer of OPTIMIZERS) {
    test(`the fused ${model} MLP step follows tfjs's ops with ${optimizer}, dropout and L2`, async ({ page }) => {
      test.setTimeout(300_000);
      const result = await page.evaluate(([m, o, n]) => window.lib.mlpKernelChecks.compareWithTfjsOps(m, o, n), [model, optimizer, steps] as const);
      expect(result.kernelPath).toBe('fused');
      expect(result.firstStepGradient, 'the first step’s gradient').toBeLessThan(1e-5);
      expect(result.losses, `${steps} steps’ losses`).toBeLessThan(1e-4);
    });
  }
}

// No hidden layer: a step is the head dispatch (rows, loss, L2 partials) and the update
// dispatch, which also sums the batch's loss.
test("the fused digits step with no hidden layer follows tfjs's ops with adam, dropout and L2", async ({ page }) => {
  test.setTimeout(300_000);
  const result = await page.evaluate(() => window.lib.mlpKernelChecks.compareWithTfjsOps('digitsLinear', 'adam', 60));
  expect(result.kernelPath).toBe('fused');
  expect(result.firstStepGradient, 'the first step’s gradient').toBeLessThan(1e-5);
  expect(result.losses, '60 steps’ losses').toBeLessThan(1e-4);
});

for (const model of ['spiral', 'digits'] as const) {
  test(`two fused ${model} runs are bit-identical`, async ({ page }) => {
    test.setTimeout(300_000);
    expect(await page.evaluate((m) => window.lib.mlpKernelChecks.fusedRunsAreIdentical(m, 'adam', 100), model)).toBe(true);
  });
}

for (const model of ['spiral', 'curve'] as const) {
  test(`a fused ${model} run resumes bit-exactly, and checkpoints move between the fused path and the CPU`, async ({ page }) => {
    test.setTimeout(300_000);
    const result = await page.evaluate((m) => window.lib.mlpKernelChecks.compareResumes(m, 'adam', 50, 100), model);
    expect(result.resumedPath).toBe('fused');
    expect(result.fusedResumeIsExact).toBe(true);
    expect(result.fusedToCpu, 'fused checkpoint continued on the CPU').toBeLessThan(1e-4);
    expect(result.cpuToFused, 'CPU checkpoint continued fused').toBeLessThan(1e-4);
  });
}

// A small MLP starts on its per-phase kernel and moves to the one-workgroup kernel once that
// has compiled (FusedUpgrade); the move is invisible only if both compute the same bits.
for (const model of ['spiral', 'curve'] as const) {
  for (const optimizer of OPTIMIZERS) {
    test(`the ${model} MLP's per-phase and one-workgroup kernels compute the same bits with ${optimizer}, dropout and L2`, async ({ page }) => {
      test.setTimeout(120_000);
      const result = await page.evaluate(([m, o]) => window.lib.mlpKernelChecks.phasesMatchSingle(m, o, 200), [model, optimizer] as const);
      expect(result.modes).toEqual(['single', 'phases']);
      expect(result.losses, '200 losses').toBe(true);
      expect(result.state, 'params and optimizer slots').toBe(true);
    });
  }
}

test('tensors and GPU buffers stay flat over 500 fused steps', async ({ page }) => {
  test.setTimeout(300_000);
  const counts = await page.evaluate(() => window.lib.mlpKernelChecks.resourceCountsWhileTraining('spiral', 10, 50));
  expect(new Set(counts.tensors.slice(1)).size, JSON.stringify(counts)).toBe(1);
  expect(new Set(counts.gpuBuffers).size, JSON.stringify(counts)).toBe(1);
});

test('a Save or Pause waiting on the fused path ends the round within two submits of steps', async ({ page }) => {
  test.setTimeout(120_000);
  const round = await page.evaluate(() => window.lib.mlpKernelChecks.interruptedFusedRound('spiral'));
  expect(round.steps, JSON.stringify(round)).toBeLessThanOrEqual(2 * round.maxChunk);
  expect(round.steps).toBeGreaterThan(0);
  expect(round.historyAgrees).toBe(true);
});
