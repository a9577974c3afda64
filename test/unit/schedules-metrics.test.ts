import { describe, expect, it } from 'vitest';
import { learningRateAt } from '../../src/lib/engine/schedules.ts';
import { accuracy, argmaxRows, confusionMatrix } from '../../src/lib/engine/metrics.ts';

describe('learning-rate schedules', () => {
  it('constant keeps the base rate', () => {
    for (const step of [0, 1, 999, 10_000]) expect(learningRateAt(step, { learningRate: 0.1, schedule: 'constant', decaySteps: 100 })).toBe(0.1);
  });

  it('step halves the rate at every boundary', () => {
    const config = { learningRate: 0.8, schedule: 'step' as const, decaySteps: 100 };
    expect(learningRateAt(0, config)).toBe(0.8);
    expect(learningRateAt(99, config)).toBe(0.8);
    expect(learningRateAt(100, config)).toBe(0.4);
    expect(learningRateAt(250, config)).toBe(0.2);
  });

  it('cosine anneals from the base rate to zero over decaySteps, then stays at zero', () => {
    const config = { learningRate: 1, schedule: 'cosine' as const, decaySteps: 100 };
    expect(learningRateAt(0, config)).toBe(1);
    expect(learningRateAt(50, config)).toBeCloseTo(0.5, 12);
    expect(learningRateAt(25, config)).toBeCloseTo((1 + Math.cos(Math.PI / 4)) / 2, 12);
    expect(learningRateAt(100, config)).toBeCloseTo(0, 12);
    expect(learningRateAt(5000, config)).toBeCloseTo(0, 12);
  });
});

describe('metrics', () => {
  it('argmax picks each row’s largest value (the first on ties)', () => {
    expect([...argmaxRows([0.1, 0.9, 0.7, 0.3, 0.5, 0.5], 2)]).toEqual([1, 0, 0]);
  });

  it('accuracy is the share of matching labels', () => {
    expect(accuracy([1, 0, 2, 2], [1, 1, 2, 0])).toBe(0.5);
    expect(accuracy([], [])).toBe(0);
  });

  it('the confusion matrix counts true class by row and prediction by column', () => {
    const counts = confusionMatrix([0, 1, 1, 2, 2, 2], [0, 1, 2, 2, 2, 0], 3);
    expect([...counts]).toEqual([
      1, 0, 1,
      0, 1, 0,
      0, 1, 2,
    ]);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(6);
  });
});
