// The rules `npm run bench` reports by: which goal each figure has, and what makes
// results.json malformed (the only way the benchmark fails, besides a crash).
import { describe, expect, it } from 'vitest';
import { findProblems, formatTable, goalFor, readbackShare, requiredKeys, type BenchResults, type Figures } from '../../bench/report.ts';
import { repeatsAt } from '../../bench/checkpoint-bench.ts';

const machine: BenchResults['machine'] = {
  userAgent: 'HeadlessChrome/156',
  webgpuAdapter: 'google swiftshader',
  hardwareConcurrency: 2,
  readbackMs: { webgpu: 3, cpu: 0 },
  cpuModel: 'test CPU',
  date: '2026-11-26T00:00:00.000Z',
};

/** Every required key with a plausible value. */
function completeFigures(): Figures {
  return Object.fromEntries(requiredKeys().map((key) => [key, 1.1]));
}

describe('training ratio goals', () => {
  it('asks for 1.3 where a readback costs at least half of fit’s step, and 1.0 elsewhere', () => {
    // 3 ms readback; fit at 200 steps/s is 5 ms a step, at 20 steps/s 50 ms.
    expect(readbackShare(3, 200)).toBeCloseTo(0.6);
    expect(readbackShare(3, 20)).toBeCloseTo(0.06);
    const key = 'train.spiralMlp.webgpu.ratio';
    const readbackBound = goalFor(key, { 'train.spiralMlp.webgpu.readbackShare': 0.6 })!;
    const computeBound = goalFor(key, { 'train.spiralMlp.webgpu.readbackShare': 0.06 })!;
    expect([readbackBound.met(1.2), readbackBound.met(1.3)]).toEqual([false, true]);
    expect([computeBound.met(0.99), computeBound.met(1.0)]).toEqual([false, true]);
  });

  it('takes the strict goal when the share was not measured', () => {
    expect(goalFor('train.digitsCnn.cpu.ratio', {})!.met(1.2)).toBe(false);
  });

  it('gives the checkpoint and UI figures their fixed goals', () => {
    expect(goalFor('checkpoint.16.saveVsRawPut')!.met(0.5)).toBe(true);
    expect(goalFor('checkpoint.16.saveVsTfjsSave')!.met(0.9)).toBe(false);
    expect(goalFor('ui.maxFrameGapMs')!.met(50)).toBe(false);
    expect(goalFor('ui.saveStallSteps')!.met(1)).toBe(true);
    expect(goalFor('checkpoint.16.saveMBps')).toBeNull();
  });
});

describe('results.json validation', () => {
  it('accepts complete results, a zero stall and a zero readback share', () => {
    const figures = { ...completeFigures(), 'ui.saveStallSteps': 0, 'train.spiralMlp.cpu.readbackShare': 0 };
    expect(findProblems({ machine, figures, details: {} })).toEqual([]);
  });

  it('names every missing, non-finite, negative or zero figure', () => {
    const figures = completeFigures();
    delete figures['checkpoint.64.loadMBps'];
    figures['train.digitsCnn.webgpu.ratio'] = Number.NaN;
    figures['startup.jsGzipKB'] = 0;
    figures['ui.maxFrameGapMs'] = -1;
    expect(findProblems({ machine, figures, details: {} })).toEqual([
      'train.digitsCnn.webgpu.ratio is NaN, not a finite number.',
      'checkpoint.64.loadMBps is missing.',
      'ui.maxFrameGapMs is -1, but it must be positive.',
      'startup.jsGzipKB is 0, but it must be positive.',
    ]);
  });

  it('requires the default Text model’s tokens per second on WebGPU and the CPU, and its dispatches per step on WebGPU', () => {
    const figures = completeFigures();
    delete figures['train.textGpt.cpu.tokensPerSec'];
    delete figures['train.textGpt.webgpu.dispatchesPerStep'];
    figures['train.textGpt.webgpu.tokensPerSec'] = 0;
    expect(findProblems({ machine, figures, details: {} })).toEqual([
      'train.textGpt.webgpu.tokensPerSec is 0, but it must be positive.',
      'train.textGpt.cpu.tokensPerSec is missing.',
      'train.textGpt.webgpu.dispatchesPerStep is missing.',
    ]);
  });

  it('marks each goal met or not in the printed table', () => {
    const figures = { ...completeFigures(), 'train.spiralMlp.webgpu.readbackShare': 0.6, 'train.spiralMlp.cpu.readbackShare': 0.01, 'checkpoint.1.saveVsRawPut': 0.4 };
    const table = formatTable({ machine, figures, details: {} });
    const row = (key: string) => table.split('\n').find((line) => line.startsWith(`${key} `))!.split(/\s{2,}/);
    expect(row('train.spiralMlp.webgpu.ratio')).toEqual(['train.spiralMlp.webgpu.ratio', '1.10', '≥ 1.3 (readback-bound)', 'NO']);
    expect(row('train.spiralMlp.cpu.ratio')).toEqual(['train.spiralMlp.cpu.ratio', '1.10', '≥ 1.0', 'yes']);
    expect(row('checkpoint.1.saveVsRawPut')).toEqual(['checkpoint.1.saveVsRawPut', '0.40', '≥ 0.5', 'NO']);
  });
});

describe('runs per checkpoint figure', () => {
  it('never goes below the minimum, and gives the short small-size runs more, up to five times it', () => {
    expect([1, 16, 64, 256].map((size) => repeatsAt(size, 5))).toEqual([25, 20, 5, 5]);
    expect(repeatsAt(1, 1)).toBe(5);
  });
});
