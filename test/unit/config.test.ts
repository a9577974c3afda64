import { describe, expect, it } from 'vitest';
import { defaultConfig, isLiveChange, parseConfig, parseNumericField, DEMOS } from '../../src/lib/engine/config.ts';
import { ConfigError } from '../../src/lib/engine/errors.ts';

describe('config', () => {
  it('accepts every demo default', () => {
    for (const demo of DEMOS) expect(parseConfig(defaultConfig(demo))).toEqual(defaultConfig(demo));
  });

  it('rejects an unknown key with a message naming it', () => {
    const error = (() => {
      try {
        parseConfig({ ...defaultConfig(), colour: 'red' });
      } catch (e) {
        return e as ConfigError;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect(error!.key).toBe('colour');
    expect(error!.message).toBe('Unknown setting "colour"; this version of the playground does not have it.');
  });

  it('rejects out-of-range values and impossible combinations, naming the key', () => {
    expect(() => parseConfig({ ...defaultConfig(), batchSize: 0 })).toThrow('Batch size must be a number from 1 to 512.');
    expect(() => parseConfig({ ...defaultConfig(), batchSize: 2.5 })).toThrow('Batch size must be a whole number.');
    expect(() => parseConfig({ ...defaultConfig(), dataset: 'mnist' })).toThrow(/cannot use the mnist dataset/);
    expect(() => parseConfig({ ...defaultConfig(), model: 'cnn' })).toThrow(/small CNN only works on the handwritten digits/);
    expect(() => parseConfig({ ...defaultConfig(), features: [] })).toThrow('Choose at least one input feature.');
  });

  it('validates typed text field by field', () => {
    expect(parseNumericField('learningRate', ' 0.1 ')).toEqual({ ok: true, value: 0.1 });
    expect(parseNumericField('learningRate', '')).toEqual({ ok: false, message: 'Learning rate is empty; enter a number from 0.000001 to 10.' });
    expect(parseNumericField('seed', '-1')).toMatchObject({ ok: false });
    expect(parseNumericField('batchSize', 'Infinity')).toMatchObject({ ok: false });
  });

  it('knows which changes can continue a run', () => {
    const config = defaultConfig();
    expect(isLiveChange(config, { ...config, learningRate: 0.1, l2: 0.001 })).toBe(true);
    expect(isLiveChange(config, { ...config, seed: 2 })).toBe(false);
    expect(isLiveChange(config, { ...config, hidden: [4] })).toBe(false);
  });
});
