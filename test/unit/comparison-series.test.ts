import { describe, expect, it } from 'vitest';
import { comparisonSeries } from '../../src/ui/compare/comparison-series.ts';

describe('the comparison chart columns', () => {
  it('puts runs of different lengths on one step axis, with nulls past a shorter run and test points at their steps', () => {
    const long = { losses: [4, 3, 2, 1], evaluations: [{ step: 0, testLoss: 9 }, { step: 4, testLoss: 1.5 }] };
    const short = { losses: [5, 4], evaluations: [{ step: 2, testLoss: 4.5 }] };
    const { data, lines } = comparisonSeries([long, short]);
    expect(data).toEqual([
      [1, 2, 3, 4],
      [4, 3, 2, 1],
      [null, null, null, 1.5],
      [5, 4, null, null],
      [null, 4.5, null, null],
    ]);
    expect(lines).toEqual([
      { run: 0, kind: 'train' },
      { run: 0, kind: 'test' },
      { run: 1, kind: 'train' },
      { run: 1, kind: 'test' },
    ]);
  });

  it('averages every run over the same buckets, so their points line up, and adds accuracy for runs that have it', () => {
    const a = { losses: [1, 3, 5, 7, 9, 11], evaluations: [{ step: 6, testLoss: 2, testAccuracy: 0.75 }] };
    const b = { losses: [2, 4, NaN], evaluations: [] };
    const { data, lines } = comparisonSeries([a, b], 3);
    expect(data[0]).toEqual([2, 4, 6]);
    expect(data[1]).toEqual([2, 6, 10]);
    expect(data[3]).toEqual([3, null, null]);
    expect(data[5]).toEqual([null, null, 0.75]);
    expect(lines.at(-1)).toEqual({ run: 0, kind: 'accuracy' });
  });
});
