import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/lib/engine/config.ts';
import { experimentHash, HASH_KEY, MAX_HASH_LENGTH, parseExperimentHash } from '../../src/lib/share/hash-state.ts';

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
    ['an unknown key', encode(JSON.stringify({ ...valid, config: { ...valid.config, evil: 1 } })), /have a setting "evil" that this version of the playground does not have/],
    ['an unknown top-level key', encode(JSON.stringify({ ...valid, script: 'alert(1)' })), /a part "script" that this version does not know/],
    ['an out-of-range number', encode(JSON.stringify({ ...valid, config: { ...valid.config, learningRate: 1e9 } })), /Learning rate must be a number from/],
    ['a huge string', encode(JSON.stringify({ ...valid, config: { ...valid.config, dataset: 'x'.repeat(MAX_HASH_LENGTH) } })), /characters long/],
    ['a __proto__ key', encode('{"v":1,"__proto__":{"polluted":true},"config":{}}'), /forbidden key "__proto__"/],
    ['a constructor key', encode('{"v":1,"config":{"constructor":{"prototype":{"polluted":true}}}}'), /forbidden key "(constructor|prototype)"/],
    ['a wrong version', encode(JSON.stringify({ ...valid, v: 99 })), /different version/],
    ['an unknown hidden control', encode(JSON.stringify({ ...valid, hide: ['everything'] })), /control that does not exist/],
    ['a wrong prefix', '#config={}', /does not start with/],
    ['broken URL encoding', `#${HASH_KEY}=%E0%A4%A`, /URL-encoded/],
  ];
  for (const [name, hash, message] of hostile) {
    it(`falls back to the defaults with a message for ${name}`, () => {
      expect(invalidMessage(hash)).toMatch(message);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });
  }

  it('words a hidden-settings list of the wrong type itself, with what it should be', () => {
    expect(invalidMessage(encode(JSON.stringify({ ...valid, hide: 'abc' })))).toBe(
      'The link\'s experiment could not be used because its list of hidden settings ("hide") must be a list of setting names, like ["seed", "optimizer"], ' +
        'but it is "abc", so the default experiment was loaded instead. Ask for a fresh link.',
    );
  });

  it('names a hidden-layers setting of the wrong type, what it held and what it should be', () => {
    expect(invalidMessage(encode(JSON.stringify({ ...valid, config: { ...valid.config, hidden: 'abc' } })))).toBe(
      'The link\'s experiment could not be used because its setting "hidden" ("abc") was refused: Hidden layers must be a list of unit counts, like [16, 16], ' +
        'so the default experiment was loaded instead. Ask for a fresh link.',
    );
  });

  // Every part of the link with a wrong type, a missing part, and garbage around it.
  const config = valid.config;
  const withSetting = (key: string, value: unknown) => encode(JSON.stringify({ ...valid, config: { ...config, [key]: value } }));
  const wrongTypes: [string, string, RegExp][] = [
    ...Object.keys(config).flatMap((key): [string, string, RegExp][] => [
      [`"${key}" as a string`, withSetting(key, 'abc'), new RegExp(`setting "${key}" \\("abc"\\) was refused`)],
      [`"${key}" as an object`, withSetting(key, { a: 1 }), new RegExp(`setting "${key}" \\(\\{"a":1\\}\\) was refused`)],
      [`"${key}" as null`, withSetting(key, null), new RegExp(`setting "${key}" \\(null\\) was refused`)],
      [`"${key}" as a list`, withSetting(key, [[1]]), new RegExp(`setting "${key}" \\(\\[\\[1\\]\\]\\) was refused`)],
    ]),
    ['a huge hidden layer', withSetting('hidden', [1e300]), /setting "hidden" \(\[1e\+300\]\) was refused: Units per layer must be a number from 1 to 256/],
    ['an infinite seed', encode(`{"v":1,"config":${JSON.stringify(config).replace('"seed":1', '"seed":1e999')}}`), /setting "seed" \(Infinity\) was refused/],
    ['a missing setting', encode(JSON.stringify({ v: 1, config: { ...config, seed: undefined } })), /settings \("config"\) have no "seed"/],
    ['settings that are a string', encode(JSON.stringify({ v: 1, config: 'abc' })), /settings \("config"\) must be an object .+ but they are "abc"/],
    ['settings that are a list', encode(JSON.stringify({ v: 1, config: [1, 2] })), /settings \("config"\) must be an object/],
    ['no settings', encode(JSON.stringify({ v: 1 })), /it has no settings \("config"\)/],
    ['no version', encode(JSON.stringify({ config })), /it has no version number \("v"\)/],
    ['a version as a string', encode(JSON.stringify({ ...valid, v: '1' })), /its version \("v"\) is "1", where this playground expects the number 1/],
    ['hidden settings as an object', encode(JSON.stringify({ ...valid, hide: { seed: true } })), /"hide"\) must be a list of setting names.+but it is \{"seed":true\}/],
    ['hidden settings as numbers', encode(JSON.stringify({ ...valid, hide: [1] })), /"hide"\) names 1, a control that does not exist; it may name only demo, /],
    ['too many hidden settings', encode(JSON.stringify({ ...valid, hide: Array(17).fill('seed') })), /"hide"\) has more entries than there are settings \(16\)/],
    ['a string instead of an object', encode('"abc"'), /it holds "abc" instead of an object like \{"v": 1, "config": \{…\}\}/],
    ['a list instead of an object', encode('[1,2]'), /it holds \[1,2\] instead of an object/],
    ['null', encode('null'), /it holds null instead of an object/],
    ['a huge number', encode('1e999'), /it holds Infinity instead of an object/],
    ['truncated base64', `#${HASH_KEY}=eyJ2Ijox`, /not valid JSON \(it may have been cut short when it was copied\)/],
    ['truncated JSON', `#${HASH_KEY}=%7B%22v%22%3A1`, /not valid JSON/],
    ['an empty experiment', `#${HASH_KEY}=`, /not valid JSON/],
    ['a long unknown key', encode(JSON.stringify({ ...valid, ['k'.repeat(100)]: 1 })), new RegExp(`a part "${'k'.repeat(40)}" that`)],
  ];
  it(`words every one of ${wrongTypes.length} hostile links as a sentence of its own, never in the validator's phrasing`, () => {
    for (const [name, hash, expected] of wrongTypes) {
      const message = invalidMessage(hash);
      expect(message, name).toMatch(expected);
      expect(message, name).not.toMatch(/Invalid (type|key|length|value)|Expected|[Rr]eceived/);
    }
  });
});

/** Parses a hash that must be refused and returns the user's message, after checking the fallback. */
function invalidMessage(hash: string): string {
  const result = parseExperimentHash(hash);
  if (result.kind !== 'invalid') throw new Error(`The hash ${hash.slice(0, 80)} should have been refused but gave ${result.kind}.`);
  expect(result.experiment).toEqual({ config: defaultConfig(), hide: [] });
  expect(result.message).toMatch(/^The link's experiment could not be used because .+, so the default experiment was loaded instead\. Ask for a fresh link\.$/);
  return result.message;
}
