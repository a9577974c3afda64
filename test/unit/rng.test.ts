import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/lib/engine/rng.ts';

describe('Rng', () => {
  it('is a pure function of its seed and stream', () => {
    const a = Rng.seeded(7, 'data');
    const b = Rng.seeded(7, 'data');
    const c = Rng.seeded(7, 'init');
    const draw = (rng: Rng) => Array.from({ length: 20 }, () => rng.nextUint32());
    const first = draw(a);
    expect(draw(b)).toEqual(first);
    expect(draw(c)).not.toEqual(first);
  });

  it('resumes exactly from its state, which is four unsigned 32-bit words', () => {
    const rng = Rng.seeded(123);
    for (let i = 0; i < 1000; i++) rng.next();
    const state = rng.state;
    for (const word of state) expect(Number.isInteger(word) && word >= 0 && word < 2 ** 32).toBe(true);
    const copy = Rng.fromState(JSON.parse(JSON.stringify(state)));
    expect(Array.from({ length: 50 }, () => copy.next())).toEqual(Array.from({ length: 50 }, () => rng.next()));
  });

  it('draws uniform values in [0, 1) with the right mean, and shuffles into a permutation', () => {
    const rng = Rng.seeded(1);
    const values = Array.from({ length: 20000 }, () => rng.next());
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...values)).toBeLessThan(1);
    expect(values.reduce((a, b) => a + b, 0) / values.length).toBeCloseTo(0.5, 2);
    const order = rng.shuffle(Int32Array.from({ length: 100 }, (_, i) => i));
    expect([...order].sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect([...order]).not.toEqual(Array.from({ length: 100 }, (_, i) => i));
  });
});
