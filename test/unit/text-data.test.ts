import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/lib/engine/errors.ts';
import { Rng } from '../../src/lib/engine/rng.ts';
import {
  bigramEntropyBits,
  buildTextDataset,
  CharVocab,
  DEFAULT_TEXT_DATA_CONFIG,
  evaluationWindows,
  heldOutWindows,
  heldOutWindowsAt,
  NAME_LISTS,
  nameListAssetPath,
  natsToBitsPerChar,
  parseNameList,
  sampleWindows,
  sampleWindowsAt,
  TOY_TASKS,
  trainingWindows,
  VocabularyError,
  type NameListName,
  type TextDataConfig,
} from '../../src/lib/text/data/index.ts';

const publicDir = fileURLToPath(new URL('../../public/', import.meta.url));

/** The built list; `npm run test:unit` builds it first (build:data). */
function readList(name: NameListName): string {
  const path = publicDir + nameListAssetPath(name);
  if (!existsSync(path)) throw new Error(`${path} is missing; run \`npm run build:data\` before these tests.`);
  return readFileSync(path, 'utf8');
}

const config = (overrides: Partial<TextDataConfig>): TextDataConfig => ({ ...DEFAULT_TEXT_DATA_CONFIG, ...overrides });

const UNICODE_SAMPLE = 'Größe, naïve café — 東京 and Zürich\n😀 emoji 👩🏽‍💻, Ελληνικά, עברית, e\u0301 (decomposed)\n\ttab';

describe('the character vocabulary', () => {
  it('round-trips every built list and Unicode text, with newline as a token', () => {
    for (const name of NAME_LISTS) {
      const text = parseNameList(readList(name), name).join('\n') + '\n';
      const vocab = CharVocab.fromText(text);
      expect(vocab.decode(vocab.encode(text))).toBe(text);
      expect(vocab.idOf('\n')).toBeGreaterThanOrEqual(0);
    }
    const vocab = CharVocab.fromText(UNICODE_SAMPLE);
    const ids = vocab.encode(UNICODE_SAMPLE);
    expect(vocab.decode(ids)).toBe(UNICODE_SAMPLE);
    // One token per code point: an emoji outside the BMP is one character, not two surrogates.
    expect(ids.length).toBe([...UNICODE_SAMPLE].length);
    expect(vocab.chars).toContain('😀');
  });

  it('is sorted by code point and the same for the same text, whatever its order', () => {
    const a = CharVocab.fromText('banana\nband');
    expect(a.chars).toEqual(['\n', 'a', 'b', 'd', 'n']);
    expect(CharVocab.fromText('dn\nab').chars).toEqual(a.chars);
    expect(CharVocab.fromText('😀\uffff').chars).toEqual(['\uffff', '😀']);
  });

  it('survives JSON and rejects a damaged vocabulary with a sentence', () => {
    const vocab = CharVocab.fromText(UNICODE_SAMPLE);
    const restored = CharVocab.fromJSON(JSON.parse(JSON.stringify(vocab)));
    expect(restored.chars).toEqual(vocab.chars);
    expect(restored.encode(UNICODE_SAMPLE)).toEqual(vocab.encode(UNICODE_SAMPLE));

    const bad: [unknown, RegExp][] = [
      [null, /is not an object/],
      [['a'], /is not an object/],
      [{ version: 2, chars: ['a'] }, /has version 2, but this app reads version 1/],
      [{ version: 1 }, /has no list of characters/],
      [{ version: 1, chars: [] }, /has no list of characters/],
      [{ version: 1, chars: ['a', 'bc'] }, /Entry 1 .* "bc", but every entry must be exactly one character\./],
      [{ version: 1, chars: ['a', 7] }, /Entry 1 .* 7, but every entry must be exactly one character\./],
      [{ version: 1, chars: ['b', 'a'] }, /does not come after entry 0 .* edited or damaged/],
      [{ version: 1, chars: ['a', 'a'] }, /does not come after entry 0/],
    ];
    for (const [json, message] of bad) {
      expect(() => CharVocab.fromJSON(json)).toThrow(VocabularyError);
      expect(() => CharVocab.fromJSON(json)).toThrow(message);
    }
  });

  it('leaves unseen prompt characters out and names them, but refuses them in training text', () => {
    const vocab = CharVocab.fromText('abc\n');
    const { ids, skipped } = vocab.encodePrompt('aXbYcX');
    expect(vocab.decode(ids)).toBe('abc');
    expect(skipped).toEqual(['X', 'Y']);
    expect(() => vocab.encode('abz')).toThrow(/The character "z" is not in the vocabulary/);
    expect(() => vocab.decode([0, 9])).toThrow(/Token id 9 is outside the vocabulary of 4 characters\./);
  });
});

describe('the name-list datasets', () => {
  it('give cities, words and Pokémon names with small vocabularies', () => {
    const sizes = Object.fromEntries(
      NAME_LISTS.map((name) => {
        const dataset = buildTextDataset(config({ textDataset: name }), { nameList: readList(name) });
        expect(dataset.trainText.endsWith('\n')).toBe(true);
        expect(dataset.trainText).not.toContain('# ');
        expect(dataset.examples).toEqual([]);
        return [name, dataset.vocab.size];
      }),
    );
    // Letters, space, . ' - and newline; the Pokémon list adds 2, :, é, ♀ and ♂.
    expect(sizes).toEqual({ cities: 57, words: 27, pokemon: 62 });
  });

  it('hold out a seeded, disjoint share of the names', () => {
    const nameList = readList('cities');
    const build = (seed: number) => buildTextDataset(config({ textDataset: 'cities', seed }), { nameList });
    const first = build(1);
    const train = first.trainText.split('\n').filter(Boolean);
    const heldOut = first.heldOutText.split('\n').filter(Boolean);
    const all = parseNameList(nameList, 'cities');
    expect(train.length + heldOut.length).toBe(all.length);
    expect(heldOut.length).toBe(Math.round(all.length * 0.1));
    const trainSet = new Set(train);
    expect(heldOut.filter((name) => trainSet.has(name))).toEqual([]);
    expect(new Set([...train, ...heldOut])).toEqual(new Set(all));
    // The training names are shuffled, not in the file's population order.
    expect(train.slice(0, 20)).not.toEqual(all.filter((name) => trainSet.has(name)).slice(0, 20));

    const again = build(1);
    expect(again.trainText).toBe(first.trainText);
    expect(again.heldOutText).toBe(first.heldOutText);
    expect(again.trainTokens).toEqual(first.trainTokens);
    expect(again.fingerprint).toBe(first.fingerprint);
    const other = build(2);
    expect(other.heldOutText).not.toBe(first.heldOutText);
    expect(other.fingerprint).not.toBe(first.fingerprint);
  });

  it('say what to load when the list or the text is missing, and name a bad setting', () => {
    expect(() => buildTextDataset(config({ textDataset: 'pokemon' }))).toThrow(/The pokemon list is not loaded yet; fetch data\/text-pokemon\.txt/);
    expect(() => buildTextDataset(config({ textDataset: 'custom' }))).toThrow(/paste or drop a text/);
    expect(() => parseNameList('# header only\n', 'words')).toThrow(/holds no names\. Run `npm run build:data`/);
    try {
      buildTextDataset(config({ textDataset: 'add', taskDigits: 12 }));
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).key).toBe('taskDigits');
      expect((error as ConfigError).message).toBe('Digits must be a whole number from 1 to 9.');
    }
  });
});

describe('the custom-text dataset', () => {
  const text = Array.from({ length: 400 }, (_, i) => `Line ${i}: the quick brown fox jumps over the lazy dog.`).join('\n');

  it('holds out seeded blocks, and together they are the whole text', () => {
    const build = (seed: number) => buildTextDataset(config({ textDataset: 'custom', seed }), { customText: text });
    const dataset = build(3);
    expect(dataset.trainText.length + dataset.heldOutText.length).toBe(text.length);
    expect(dataset.heldOutText.length / text.length).toBeCloseTo(0.1, 1);
    expect(text.includes(dataset.heldOutText.slice(0, 1024))).toBe(true);
    expect(build(3).heldOutText).toBe(dataset.heldOutText);
    expect(build(4).heldOutText).not.toBe(dataset.heldOutText);
  });
});

describe('sampleWindows', () => {
  const stream = Int32Array.from({ length: 500 }, (_, i) => i);

  it('gives inputs and the next tokens as targets, inside the stream', () => {
    const { inputs, targets, batch, context } = sampleWindows(stream, 16, 8, Rng.seeded(1, 'batches'));
    expect([batch, context, inputs.length, targets.length]).toEqual([8, 16, 128, 128]);
    for (let row = 0; row < batch; row++) {
      const start = inputs[row * context];
      for (let t = 0; t < context; t++) {
        expect(inputs[row * context + t]).toBe(start + t);
        expect(targets[row * context + t]).toBe(start + t + 1);
      }
      expect(start + context).toBeLessThan(stream.length);
    }
  });

  it('is seeded, and resumes from a saved RNG state with the same next batch', () => {
    const draw = (rng: Rng) => sampleWindows(stream, 8, 4, rng).inputs;
    expect(draw(Rng.seeded(5, 'batches'))).toEqual(draw(Rng.seeded(5, 'batches')));
    expect(draw(Rng.seeded(6, 'batches'))).not.toEqual(draw(Rng.seeded(5, 'batches')));

    const uninterrupted = Rng.seeded(5, 'batches');
    for (let k = 0; k < 7; k++) draw(uninterrupted);
    const saved = JSON.parse(JSON.stringify(uninterrupted.state));
    const expected = draw(uninterrupted);
    expect(draw(Rng.fromState(saved))).toEqual(expected);
  });

  it('reaches the last token, and explains a stream that is too short', () => {
    const tiny = Int32Array.from([0, 1, 2, 3]);
    const rng = Rng.seeded(1);
    const lastTargets = new Set(Array.from({ length: 200 }, () => sampleWindows(tiny, 2, 1, rng).targets[1]));
    expect(lastTargets).toEqual(new Set([2, 3]));
    expect(() => sampleWindows(tiny, 4, 1, rng)).toThrow('The training text has 4 tokens, but a window of context 4 needs 5; use more text or a shorter context.');
  });

  it('has a fixed set of held-out windows that need no RNG', () => {
    const windows = heldOutWindows(stream, 16, 100);
    expect(windows.batch).toBe(31);
    expect(windows.inputs[16]).toBe(16);
    expect(windows.targets[windows.targets.length - 1]).toBe(31 * 16);
    expect(heldOutWindows(stream, 16, 3).batch).toBe(3);
  });
});

describe('toy task windows', () => {
  const toy = (task: TextDataConfig['textDataset'], seed = 1) => buildTextDataset(config({ textDataset: task, seed, taskExamples: 300, taskTestExamples: 40 }));
  const rows = (windows: { batch: number; context: number; inputs: Int32Array }, decode: (ids: Int32Array) => string) =>
    Array.from({ length: windows.batch }, (_, row) => decode(windows.inputs.subarray(row * windows.context, (row + 1) * windows.context)));

  it.each(TOY_TASKS)('start every %s window at the newline before an example, as exact match asks its questions', (task) => {
    const dataset = toy(task);
    const lines = new Set(dataset.trainText.split('\n').slice(0, -1));
    const windows = trainingWindows(dataset, 24, 64, Rng.seeded(2, 'batches'));
    for (const text of rows(windows, (ids) => dataset.vocab.decode(ids))) {
      expect(text[0]).toBe('\n');
      const line = text.slice(1).split('\n')[0];
      // A window of 24 holds every whole example of these settings (at most 19 characters with its newline).
      expect(text.slice(1).includes('\n'), text).toBe(true);
      expect(lines.has(line), `${JSON.stringify(line)} should be a training example`).toBe(true);
    }
    const heldOut = evaluationWindows(dataset, 24, 64);
    // Of 40 questions the first has no newline before it, and the last leaves no room for 24 more tokens.
    expect(heldOut.batch).toBeGreaterThanOrEqual(37);
    const heldOutLines = dataset.examples.map((e) => e.prompt + e.answer);
    rows(heldOut, (ids) => dataset.vocab.decode(ids)).forEach((text, row) => expect(text.slice(0, 1 + heldOutLines[row + 1].length)).toBe(`\n${heldOutLines[row + 1]}`));
  });

  it('still cuts names and custom text at any position', () => {
    const text = 'the quick brown fox jumps over the lazy dog.\n'.repeat(40);
    const dataset = buildTextDataset(config({ textDataset: 'custom' }), { customText: text });
    expect(dataset.windowStarts).toBeNull();
    const firsts = rows(trainingWindows(dataset, 16, 64, Rng.seeded(2, 'batches')), (ids) => dataset.vocab.decode(ids)[0]);
    expect(new Set(firsts).size).toBeGreaterThan(5);
  });

  it('is seeded, draws one number per window, and resumes from a saved RNG state with the same next batch', () => {
    const dataset = toy('reverse');
    const draw = (rng: Rng) => trainingWindows(dataset, 24, 8, rng).inputs;
    expect(draw(Rng.seeded(5, 'batches'))).toEqual(draw(Rng.seeded(5, 'batches')));
    expect(draw(Rng.seeded(6, 'batches'))).not.toEqual(draw(Rng.seeded(5, 'batches')));

    const rng = Rng.seeded(5, 'batches');
    const counted = Rng.seeded(5, 'batches');
    draw(rng);
    for (let i = 0; i < 8; i++) counted.next();
    expect(rng.state).toEqual(counted.state);

    const uninterrupted = Rng.seeded(5, 'batches');
    for (let k = 0; k < 7; k++) draw(uninterrupted);
    const saved = JSON.parse(JSON.stringify(uninterrupted.state));
    const expected = draw(uninterrupted);
    expect(draw(Rng.fromState(saved))).toEqual(expected);
  });

  it('uses every start that leaves room for a window, and explains when none does', () => {
    const stream = Int32Array.from({ length: 20 }, (_, i) => i);
    const starts = Int32Array.from([0, 5, 10, 15]);
    const rng = Rng.seeded(1);
    const used = new Set(Array.from({ length: 200 }, () => sampleWindowsAt(stream, starts, 4, 1, rng).inputs[0]));
    expect(used).toEqual(new Set([0, 5, 10, 15]));
    expect(new Set(Array.from({ length: 200 }, () => sampleWindowsAt(stream, starts, 5, 1, rng).inputs[0]))).toEqual(new Set([0, 5, 10]));
    expect(heldOutWindowsAt(stream, starts, 5, 10).batch).toBe(3);
    expect(() => sampleWindowsAt(stream, Int32Array.from([16]), 5, 1, rng)).toThrow('The training text has no line with 6 tokens after its start; use more examples or a shorter context.');
  });
});

describe('bits per character', () => {
  it('converts nats to bits', () => {
    expect(natsToBitsPerChar(Math.LN2)).toBeCloseTo(1, 12);
    expect(natsToBitsPerChar(Math.log(27))).toBeCloseTo(Math.log2(27), 12);
    expect(natsToBitsPerChar(0)).toBe(0);
  });

  it('computes the bigram conditional entropy in closed form', () => {
    const h = (text: string) => bigramEntropyBits(text, CharVocab.fromText(text));
    // Each character fixes the next one.
    expect(h('abababab')).toBe(0);
    // After "a": "a" or "b" at even odds, 1 bit, for both pairs.
    expect(h('aab')).toBeCloseTo(1, 12);
    // Pairs ab, ba, ac: after "a" 1 bit (2 pairs), after "b" 0 bits (1 pair).
    expect(h('abac')).toBeCloseTo(2 / 3, 12);
    // Uniform i.i.d. over 4 symbols approaches 2 bits.
    const rng = Rng.seeded(9);
    const random = Array.from({ length: 200_000 }, () => 'abcd'[rng.int(4)]).join('');
    expect(h(random)).toBeCloseTo(2, 2);
  });

  it('is well below the unigram entropy on city names', () => {
    const dataset = buildTextDataset(config({ textDataset: 'cities' }), { nameList: readList('cities') });
    const bits = bigramEntropyBits(dataset.trainText, dataset.vocab);
    expect(bits).toBeGreaterThan(2);
    expect(bits).toBeLessThan(Math.log2(dataset.vocab.size));
  });
});
