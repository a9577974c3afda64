import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/lib/engine/config.ts';
import { experimentHash, HASH_KEY, MAX_NOTE_LENGTH, noteProblem, parseExperimentHash } from '../../src/lib/share/hash-state.ts';

const encode = (json: string) => `#${HASH_KEY}=${encodeURIComponent(json)}`;
const spiral = defaultConfig('classify2d');
const fast = { ...spiral, learningRate: 0.3 };
const shallow = { ...spiral, hidden: [16] };

/** The user's message for a hash that must be refused, after checking it fell back to the defaults. */
function refused(hash: string): string {
  const result = parseExperimentHash(hash);
  if (result.kind !== 'invalid') throw new Error(`The hash ${hash.slice(0, 80)} should have been refused but gave ${result.kind}.`);
  expect(result.experiment).toEqual({ config: defaultConfig(), hide: [] });
  expect(result.message).toMatch(/^The link's experiment could not be used because .+, so the default experiment was loaded instead\. Ask for a fresh link\.$/);
  expect(result.message).not.toMatch(/Invalid (type|key|length|value)|Expected|[Rr]eceived/);
  return result.message;
}

describe('comparison links and the teacher\'s note', () => {
  it('round-trips a comparison of three runs with a note', () => {
    const experiment = { config: spiral, hide: [], compare: [fast, shallow], note: 'Which learning rate wins? <b>Guess first.</b>' };
    expect(parseExperimentHash(experimentHash(experiment))).toEqual({ kind: 'ok', experiment });
  });

  it('leaves a one-run link without a note exactly as it was before comparisons existed', () => {
    const hash = experimentHash({ config: spiral, hide: ['seed'] });
    expect(JSON.parse(decodeURIComponent(hash.slice(`#${HASH_KEY}=`.length)))).toEqual({ v: 1, config: spiral, hide: ['seed'] });
    expect(parseExperimentHash(hash)).toEqual({ kind: 'ok', experiment: { config: spiral, hide: ['seed'] } });
  });

  it('keeps a note of markup and quotes character for character', () => {
    const note = '<img src=x onerror=alert(1)> "quoted" & \'single\' — 📈 %41 #hash';
    const result = parseExperimentHash(experimentHash({ config: spiral, hide: [], note }));
    expect(result.kind === 'ok' && result.experiment.note).toBe(note);
  });

  it('counts a note in characters as a reader does, so 500 emoji fit and 501 do not', () => {
    expect(noteProblem('📈'.repeat(MAX_NOTE_LENGTH))).toBeNull();
    expect(noteProblem('a'.repeat(MAX_NOTE_LENGTH + 1))).toBe(
      "The teacher's note is 501 characters long; shorten it to 500 characters or fewer to put it in the link.",
    );
    const longest = parseExperimentHash(experimentHash({ config: spiral, hide: [], compare: [fast, fast, fast, fast, fast], note: '📈'.repeat(MAX_NOTE_LENGTH) }));
    expect(longest.kind).toBe('ok');
  });

  it('refuses to make a link with a note that is too long', () => {
    expect(() => experimentHash({ config: spiral, hide: [], note: 'a'.repeat(501) })).toThrow(/The teacher's note is 501 characters long/);
  });

  const valid = { v: 1, config: spiral, hide: [] };
  const hostile: [string, unknown, RegExp][] = [
    ['a note over 500 characters', { ...valid, note: 'a'.repeat(501) }, /its teacher's note \("note"\) is 501 characters long, and a note may have at most 500/],
    ['a note that is not text', { ...valid, note: { html: '<script>' } }, /its teacher's note \("note"\) must be text in quotes, but it is \{"html":"<script>"\}/],
    ['a comparison that is not a list', { ...valid, compare: 'abc' }, /its list of runs to compare \("compare"\) must be a list of settings, .+ but it is "abc"/],
    ['an empty comparison', { ...valid, compare: [] }, /\("compare"\) is empty/],
    ['a comparison of seven runs', { ...valid, compare: Array(6).fill(fast) }, /has more than 5 entries; a comparison holds at most 6 runs/],
    ['a bad learning rate in run 2', { ...valid, compare: [{ ...fast, learningRate: -1 }] }, /the setting of its run 2 "learningRate" \(-1\) was refused: Learning rate must be a number from/],
    ['an unknown setting in run 3', { ...valid, compare: [fast, { ...fast, onload: 'alert(1)' }] }, /the settings of its run 3 \(in "compare"\) have a setting "onload" that this version of the playground does not have/],
    ['run 2 missing a setting', { ...valid, compare: [{ ...fast, seed: undefined }] }, /the settings of its run 2 \(in "compare"\) have no "seed"/],
    ['run 2 as a string', { ...valid, compare: ['abc'] }, /the settings of its run 2 \(in "compare"\) must be an object .+ but they are "abc"/],
  ];
  for (const [name, data, message] of hostile) {
    it(`refuses a link with ${name}, in a sentence of its own`, () => {
      expect(refused(encode(JSON.stringify(data)))).toMatch(message);
    });
  }

  it('refuses a __proto__ key hidden in a compared run', () => {
    const json = `{"v":1,"config":${JSON.stringify(spiral)},"compare":[{"__proto__":{"polluted":true}}]}`;
    expect(refused(encode(json))).toMatch(/forbidden key "__proto__"/);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('drops a note of only spaces, as if there were none', () => {
    const result = parseExperimentHash(encode(JSON.stringify({ ...valid, note: '   ' })));
    expect(result).toEqual({ kind: 'ok', experiment: { config: spiral, hide: [] } });
  });
});
