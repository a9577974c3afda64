import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/lib/engine/config.ts';
import { describeRun, newRunName } from '../../src/lib/worker/run-names.ts';

describe('run names', () => {
  it('say what the run is', () => {
    expect(describeRun(defaultConfig('classify2d'))).toBe('Spiral · MLP 16-16 · Adam 0.03');
    expect(describeRun({ ...defaultConfig('digits'), model: 'cnn' })).toBe('Digits · CNN + 64 · Adam 0.002');
    expect(describeRun({ ...defaultConfig('curve'), hidden: [], optimizer: 'sgd' })).toBe('Sine curve · MLP linear · SGD 0.01');
  });

  it('differ for two runs of the same experiment started at the same moment', () => {
    const config = defaultConfig('classify2d');
    const a = newRunName(config, crypto.randomUUID());
    const b = newRunName(config, crypto.randomUUID());
    expect(a).toMatch(/^Spiral · MLP 16-16 · Adam 0\.03 · [0-9a-f]{4}$/);
    expect(a.slice(0, -4)).toBe(b.slice(0, -4));
    // Two random ids share their first four hex digits once in 65,536 pairs.
    expect(new Set(Array.from({ length: 50 }, () => newRunName(config, crypto.randomUUID()))).size).toBeGreaterThan(45);
  });
});
