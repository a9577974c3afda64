/**
 * A character vocabulary: token i is the i-th distinct character of the text, in code-point
 * order. A "character" is one Unicode code point, not one UTF-16 unit, so an emoji or a CJK
 * character outside the BMP is one token and never splits into two lone surrogates.
 *
 * There is no `<unk>` token. The vocabulary of a run is built from all the text the run will
 * ever train or evaluate on (training and held-out split together), so encoding that text
 * never meets an unknown character. Only a prompt typed by the student can; `encodePrompt`
 * leaves such characters out and returns them, so the UI can say which ones it dropped.
 */

/** The vocabulary as stored in a checkpoint; `version` lets a later format be told apart. */
export interface CharVocabJson {
  version: 1;
  /** One code point per entry, strictly increasing. Newline, if present, is "\n". */
  chars: string[];
}

export const CHAR_VOCAB_VERSION = 1;

/** A vocabulary that could not be read, or text that the vocabulary cannot encode. */
export class VocabularyError extends Error {
  override name = 'VocabularyError';
}

function compareCodePoints(a: string, b: string): number {
  return a.codePointAt(0)! - b.codePointAt(0)!;
}

/** Shows a character in a message so that "\n" or a space is visible. */
function showChar(char: string): string {
  return JSON.stringify(char);
}

export class CharVocab {
  /** Token id → character. */
  readonly chars: readonly string[];
  readonly #ids: Map<string, number>;

  private constructor(chars: string[]) {
    this.chars = Object.freeze(chars);
    this.#ids = new Map(chars.map((char, id) => [char, id]));
  }

  /** The distinct characters of `texts`, sorted by code point, so the same text always gives the same ids. */
  static fromText(...texts: string[]): CharVocab {
    const seen = new Set<string>();
    for (const text of texts) for (const char of text) seen.add(char);
    if (seen.size === 0) throw new VocabularyError('A vocabulary needs at least one character, but the text is empty.');
    return new CharVocab([...seen].sort(compareCodePoints));
  }

  /** Reads a vocabulary saved by `toJSON`, checking it fully, because it comes from a stored run or an imported file. */
  static fromJSON(json: unknown): CharVocab {
    const expected = 'expected { "version": 1, "chars": [...] } as written by CharVocab.toJSON().';
    if (typeof json !== 'object' || json === null || Array.isArray(json)) {
      throw new VocabularyError(`The saved vocabulary is not an object; ${expected}`);
    }
    const { version, chars } = json as Record<string, unknown>;
    if (version !== CHAR_VOCAB_VERSION) {
      throw new VocabularyError(`The saved vocabulary has version ${JSON.stringify(version)}, but this app reads version ${CHAR_VOCAB_VERSION}; ${expected}`);
    }
    if (!Array.isArray(chars) || chars.length === 0) {
      throw new VocabularyError(`The saved vocabulary has no list of characters; ${expected}`);
    }
    chars.forEach((char: unknown, i) => {
      if (typeof char !== 'string' || [...char].length !== 1) {
        throw new VocabularyError(`Entry ${i} of the saved vocabulary is ${JSON.stringify(char)}, but every entry must be exactly one character.`);
      }
      if (i > 0 && compareCodePoints(chars[i - 1], char) >= 0) {
        throw new VocabularyError(
          `Entry ${i} of the saved vocabulary (${showChar(char)}) does not come after entry ${i - 1} (${showChar(chars[i - 1])}) in code-point order, ` +
            'so the file was edited or damaged and its token ids cannot be trusted.',
        );
      }
    });
    return new CharVocab([...(chars as string[])]);
  }

  toJSON(): CharVocabJson {
    return { version: CHAR_VOCAB_VERSION, chars: [...this.chars] };
  }

  get size(): number {
    return this.chars.length;
  }

  /** The id of `char`, or -1 if the vocabulary does not have it. */
  idOf(char: string): number {
    return this.#ids.get(char) ?? -1;
  }

  /** Encodes text the vocabulary was built from; an unknown character is a programmer error. */
  encode(text: string): Int32Array {
    const ids: number[] = [];
    for (const char of text) {
      const id = this.#ids.get(char);
      if (id === undefined) {
        throw new VocabularyError(
          `The character ${showChar(char)} is not in the vocabulary; build the vocabulary from all the text you encode, or use encodePrompt for typed prompts.`,
        );
      }
      ids.push(id);
    }
    return Int32Array.from(ids);
  }

  /**
   * Encodes a prompt the student typed. Characters the model has never seen have no token, so
   * they are left out; `skipped` lists each distinct one once, in order of first appearance.
   */
  encodePrompt(text: string): { ids: Int32Array; skipped: string[] } {
    const ids: number[] = [];
    const skipped = new Set<string>();
    for (const char of text) {
      const id = this.#ids.get(char);
      if (id === undefined) skipped.add(char);
      else ids.push(id);
    }
    return { ids: Int32Array.from(ids), skipped: [...skipped] };
  }

  decode(ids: ArrayLike<number>): string {
    let text = '';
    for (let i = 0; i < ids.length; i++) {
      const char = this.chars[ids[i]];
      if (char === undefined) throw new VocabularyError(`Token id ${ids[i]} is outside the vocabulary of ${this.size} characters.`);
      text += char;
    }
    return text;
  }
}
