import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/lib/engine/config.ts';
import { experimentHash, HASH_KEY, parseExperimentHash } from '../../src/lib/share/hash-state.ts';

const encode = (json: string) => `#${HASH_KEY}=${encodeURIComponent(json)}`;

describe('share-link hash', () => {
  it('round-trips an experiment, including hidden controls', () => {
    const config = { ...defaultConfig('classify2d'), dataset: 'circles' as const, seed: 42, hidden: [8, 4], learningRate: 0.05 };
    const result = parseExperimentHash(experimentHash({ config, hide: ['seed', 'optimizer'] }));
    expect(result).toEqual({ kind: 'ok', experiment: { config, hide: ['seed', 'optimizer'] } });
  });

  it('treats an empty hash as "no experiment"', () => {
    expect(parseExperimentHash('')).toEqual({ kind: 'none' });
    expect(parseExperimentHash('#')).toEqual({ kind: 'none' });
  });

  const valid = { v: 1, config: defaultConfig(), hide: [] };
  const hostile: [string, string, RegExp][] = [
    ['bad JSON', encode('{"v":1,"config":'), /not valid JSON/],
    ['an unknown key', encode(JSON.stringify({ ...valid, config: { ...valid.config, evil: 1 } })), /one of its settings is invalid/],
    ['an unknown top-level key', encode(JSON.stringify({ ...valid, script: 'alert(1)' })), /setting this version does not know/],
    ['an out-of-range number', encode(JSON.stringify({ ...valid, config: { ...valid.config, learningRate: 1e9 } })), /Learning rate must be a number from/],
    ['a huge string', encode(JSON.stringify({ ...valid, config: { ...valid.config, dataset: 'x'.repeat(10000) } })), /characters long/],
    ['a __proto__ key', encode('{"v":1,"__proto__":{"polluted":true},"config":{}}'), /forbidden key "__proto__"/],
    ['a constructor key', encode('{"v":1,"config":{"constructor":{"prototype":{"polluted":true}}}}'), /forbidden key "(constructor|prototype)"/],
    ['a wrong version', encode(JSON.stringify({ ...valid, v: 99 })), /different version/],
    ['an unknown hidden control', encode(JSON.stringify({ ...valid, hide: ['everything'] })), /control that does not exist/],
    ['a wrong prefix', '#config={}', /does not start with/],
    ['broken URL encoding', `#${HASH_KEY}=%E0%A4%A`, /URL-encoded/],
  ];
  for (const [name, hash, message] of hostile) {
    it(`falls back to the defaults with a message for ${name}`, () => {
      const result = parseExperimentHash(hash);
      expect(result.kind).toBe('invalid');
      if (result.kind !== 'invalid') return;
      expect(result.experiment).toEqual({ config: defaultConfig(), hide: [] });
      expect(result.message).toMatch(message);
      expect(result.message).toMatch(/^The link's experiment could not be used because .+, so the default experiment was loaded instead\. Ask for a fresh link\.$/);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });
  }
});
