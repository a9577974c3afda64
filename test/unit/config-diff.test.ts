import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/lib/engine/config.ts';
import { configDifferences, describeDifferences, describeRunValues } from '../../src/lib/share/config-diff.ts';

const spiral = defaultConfig('classify2d');

describe('what differs between runs', () => {
  it('names a learning-rate change from the first run to the second', () => {
    expect(describeDifferences([spiral, { ...spiral, learningRate: 0.3 }])).toBe('learning rate 0.03 → 0.3');
  });

  it('names hidden layers as the form shows them, and a linear model as none', () => {
    expect(describeDifferences([spiral, { ...spiral, hidden: [16] }])).toBe('hidden layers 16,16 → 16');
    expect(describeDifferences([spiral, { ...spiral, hidden: [] }])).toBe('hidden layers 16,16 → none');
  });

  it('lists every differing setting in the settings form order', () => {
    const other = { ...spiral, seed: 2, learningRate: 0.1, optimizer: 'sgd' as const };
    expect(describeDifferences([spiral, other])).toBe('optimizer adam → sgd; learning rate 0.03 → 0.1; seed 1 → 2');
  });

  it("lists each run's value, in run order, for three runs", () => {
    const configs = [spiral, { ...spiral, learningRate: 0.3 }, { ...spiral, learningRate: 0.003, hidden: [8] }];
    expect(describeDifferences(configs)).toBe('hidden layers 16,16, 16,16, 8; learning rate 0.03, 0.3, 0.003');
    expect(describeRunValues(configs, 2)).toBe('hidden layers 8, learning rate 0.003');
    expect(configDifferences(configs).map((d) => d.values)).toEqual([
      ['16,16', '16,16', '8'],
      ['0.03', '0.3', '0.003'],
    ]);
  });

  it('says so when the runs have the same settings, and says nothing about a single run', () => {
    expect(describeDifferences([spiral, { ...spiral }])).toBe('The runs have the same settings.');
    expect(configDifferences([spiral, { ...spiral, features: ['x', 'y'] }])).toEqual([]);
    expect(describeDifferences([spiral])).toBe('');
  });

  it('compares runs of different demos setting by setting', () => {
    const digits = defaultConfig('digits');
    const keys = configDifferences([spiral, digits]).map((d) => d.key);
    expect(keys).toEqual(['demo', 'dataset', 'samples', 'noise', 'hidden', 'learningRate', 'batchSize']);
  });
});
