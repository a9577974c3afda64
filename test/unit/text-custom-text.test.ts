import { describe, expect, it } from 'vitest';
import { CUSTOM_TEXT_MAX_BYTES, validateCustomText } from '../../src/lib/text/data/index.ts';

const poem = 'Tyger Tyger, burning bright,\nIn the forests of the night;\nWhat immortal hand or eye,\nCould frame thy fearful symmetry?\n'.repeat(4);
const utf8 = (text: string) => new TextEncoder().encode(text);

function refusal(input: Uint8Array | string): string {
  const result = validateCustomText(input);
  if (result.ok) throw new Error('The input was accepted, but it should have been refused.');
  return result.message;
}

describe('validateCustomText', () => {
  it('accepts pasted text and UTF-8 bytes alike, with one line ending and NFC characters', () => {
    expect(validateCustomText(poem)).toEqual({ ok: true, text: poem });
    expect(validateCustomText(utf8(poem))).toEqual({ ok: true, text: poem });

    const windows = '\uFEFF' + poem.replaceAll('\n', '\r\n').replace('Tyger', 'Tyge\u0301r');
    const result = validateCustomText(utf8(windows));
    expect(result.ok && result.text).toBe(poem.replace('Tyger', 'Tygér'));
  });

  it('refuses empty and whitespace-only input', () => {
    expect(refusal('')).toBe('The text is empty. Paste or drop at least 300 characters of plain text, such as a story or song lyrics.');
    expect(refusal(new Uint8Array())).toMatch(/^The text is empty\./);
    expect(refusal(' \n\t\n'.repeat(200))).toBe('The text has only spaces and line breaks. Paste or drop at least 300 characters of words.');
  });

  it('refuses text that is too short, counting characters rather than bytes', () => {
    expect(refusal('ü'.repeat(299))).toBe(
      'The text has 299 characters, but the model needs at least 300 to learn from and to hold some back for testing. Paste or drop a longer text.',
    );
    expect(validateCustomText('ü'.repeat(300)).ok).toBe(true);
  });

  it('refuses more than 5 MB before decoding it', () => {
    const big = new Uint8Array(CUSTOM_TEXT_MAX_BYTES + 1).fill(0x61);
    expect(refusal(big)).toBe('The text is 5.1 MB, but the limit is 5 MB. Use a shorter excerpt, for example the first few chapters.');
    expect(refusal(new Uint8Array(12 * 1024 * 1024).fill(0x61))).toMatch(/^The text is 12 MB, but the limit is 5 MB\./);
    expect(validateCustomText(new Uint8Array(CUSTOM_TEXT_MAX_BYTES).fill(0x61)).ok).toBe(true);
  });

  it('refuses binary files: NUL bytes, or many control characters', () => {
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, ...utf8(poem)]);
    expect(refusal(png)).toBe('This looks like a binary file, not text: it contains NUL bytes. Save it as a plain .txt file in UTF-8, or paste the text itself.');
    const controls = poem + '\u0001\u0002\u0003\u0004\u0005\u001b\u007f';
    expect(refusal(controls)).toMatch(/^This looks like a binary file, not text: 7 of its \d+ characters are control codes\. Save it as a plain \.txt file/);
    // A tab or a lone form feed is ordinary text.
    expect(validateCustomText(poem.replaceAll(' ', '\t') + '\f').ok).toBe(true);
  });

  it('refuses invalid UTF-8, such as a Latin-1 file', () => {
    const latin1 = utf8(poem).map((byte) => (byte === 0x65 ? 0xe9 : byte));
    expect(refusal(latin1)).toBe('The file is not valid UTF-8 text. Open it in a text editor, save it with the encoding UTF-8, and drop it again.');
  });

  it('refuses a text with more than 256 distinct characters', () => {
    const cjk = Array.from({ length: 300 }, (_, i) => String.fromCodePoint(0x4e00 + i)).join('');
    expect(refusal(cjk)).toBe(
      'The text uses 300 different characters, but the limit is 256. Use text mostly in one alphabet, or remove rare symbols and emoji.',
    );
  });
});
