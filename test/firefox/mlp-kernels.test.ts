// The fused WGSL training step for MLPs (src/lib/models/mlp-kernels/) on Firefox's WebGPU
// (lavapipe), with the checks and tolerances of test/browser/mlp-kernels.spec.ts
// (test/support/mlp-kernel-checks.ts). lavapipe runs the checks 2-3x slower than SwiftShader
// in Chromium (measured here: 8 s for 200 spiral steps, 18 s for the curve, 22 s for 60 digits
// steps), so to keep the suite near its 5-minute budget every optimizer runs on the spiral
// and one each on the curve and the digits; determinism and resume run on the spiral.
// The checks keep nothing on disk, so one Firefox serves the whole file.
import { describe, expect, test } from 'vitest';
import type { MlpModelName } from '../support/mlp-kernel-checks.ts';
import type { OptimizerKind } from '../../src/lib/engine/config.ts';
import { sharedHarnessPage } from './support/firefox.ts';

const COMPARISONS: { model: MlpModelName; optimizer: OptimizerKind; steps: number }[] = [
  ...(['sgd', 'momentum', 'adam', 'rmsprop'] as const).map((optimizer) => ({ model: 'spiral' as const, optimizer, steps: 200 })),
  { model: 'curve', optimizer: 'momentum', steps: 200 },
  { model: 'digits', optimizer: 'adam', steps: 60 },
  // No hidden layer: the head and update dispatches alone.
  { model: 'digitsLinear', optimizer: 'adam', steps: 60 },
];

describe('fused MLP kernels in Firefox', () => {
  const harness = sharedHarnessPage();

  for (const { model, optimizer, steps } of COMPARISONS) {
    test(`the fused ${model} MLP step follows tfjs's ops with ${optimizer}, dropout and L2`, async () => {
      const result = await harness.page.evaluate((m, o, n) => window.lib.mlpKernelChecks.compareWithTfjsOps(m, o, n), model, optimizer, steps);
      expect(result.kernelPath).toBe('fused');
      expect(result.firstStepGradient, 'the first step’s gradient').toBeLessThan(1e-5);
      expect(result.losses, `${steps} steps’ losses`).toBeLessThan(1e-4);
    });
  }

  test('two fused spiral runs are bit-identical', async () => {
    expect(await harness.page.evaluate(() => window.lib.mlpKernelChecks.fusedRunsAreIdentical('spiral', 'adam', 100))).toBe(true);
  });

  test('a fused spiral run resumes bit-exactly, and checkpoints move between the fused path and the CPU', async () => {
    const result = await harness.page.evaluate(() => window.lib.mlpKernelChecks.compareResumes('spiral', 'adam', 50, 100));
    expect(result.resumedPath).toBe('fused');
    expect(result.fusedResumeIsExact).toBe(true);
    expect(result.fusedToCpu, 'fused checkpoint continued on the CPU').toBeLessThan(1e-4);
    expect(result.cpuToFused, 'CPU checkpoint continued fused').toBeLessThan(1e-4);
  });

  for (const optimizer of ['sgd', 'momentum', 'adam', 'rmsprop'] as const) {
    test(`the spiral MLP's per-phase and one-workgroup kernels compute the same bits with ${optimizer}, dropout and L2`, async () => {
      const result = await harness.page.evaluate((o) => window.lib.mlpKernelChecks.phasesMatchSingle('spiral', o, 200), optimizer);
      expect(result.modes).toEqual(['single', 'phases']);
      expect(result.losses).toBe(true);
      expect(result.state).toBe(true);
    });
  }

  test('tensors and GPU buffers stay flat over 500 fused steps', async () => {
    const counts = await harness.page.evaluate(() => window.lib.mlpKernelChecks.resourceCountsWhileTraining('spiral', 10, 50));
    expect(new Set(counts.tensors.slice(1)).size, JSON.stringify(counts)).toBe(1);
    expect(new Set(counts.gpuBuffers).size, JSON.stringify(counts)).toBe(1);
  });

  test('a Save or Pause waiting on the fused path ends the round within two submits of steps', async () => {
    const round = await harness.page.evaluate(() => window.lib.mlpKernelChecks.interruptedFusedRound('spiral'));
    expect(round.steps, JSON.stringify(round)).toBeLessThanOrEqual(2 * round.maxChunk);
    expect(round.steps).toBeGreaterThan(0);
    expect(round.historyAgrees).toBe(true);
  });
});
