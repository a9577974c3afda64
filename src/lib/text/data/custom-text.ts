/**
 * The edge where a student's own text enters (pasted into "Your text" or dropped as a .txt
 * file). It is checked here once; what passes is the exact text the run trains on and stores,
 * so nothing downstream needs to check it again. Each refusal is a sentence for the user.
 */

/** Fewer characters than this and the held-out split would be a handful of letters. */
export const CUSTOM_TEXT_MIN_CHARS = 300;
/** The text is stored with every run in IndexedDB and encoded in memory; 5 MB keeps both quick. */
export const CUSTOM_TEXT_MAX_BYTES = 5 * 1024 * 1024;
/** Each character is a row of the embedding and a column of the output; 256 keeps the model small. */
export const CUSTOM_TEXT_MAX_VOCAB = 256;
/** Real text has almost no control characters; more than this share means a binary file. */
const MAX_CONTROL_SHARE = 0.01;

export type CustomTextResult = { ok: true; text: string } | { ok: false; message: string };

const plainTextHint = 'Save it as a plain .txt file in UTF-8, or paste the text itself.';

/** Rounded up, so a text just over the limit does not read as exactly the limit. */
function megabytes(bytes: number): string {
  return `${Math.ceil((bytes / (1024 * 1024)) * 10) / 10} MB`;
}

/** C0 controls other than tab and newline (carriage returns are gone by now), DEL, and C1 controls. */
function isControl(code: number): boolean {
  return (code < 0x20 && code !== 0x09 && code !== 0x0a) || (code >= 0x7f && code <= 0x9f);
}

/**
 * Checks a text and returns it ready to train on: line endings become "\n" (so a Windows file
 * does not spend a token on "\r") and characters are in Unicode NFC form (so "é" typed as one
 * or as two code points is one token). A byte-order mark is dropped.
 */
export function validateCustomText(input: Uint8Array | string): CustomTextResult {
  const bytes = typeof input === 'string' ? new TextEncoder().encode(input) : input;
  if (bytes.length === 0) {
    return { ok: false, message: `The text is empty. Paste or drop at least ${CUSTOM_TEXT_MIN_CHARS} characters of plain text, such as a story or song lyrics.` };
  }
  // Checked before decoding, so a huge file is refused without being decoded.
  if (bytes.length > CUSTOM_TEXT_MAX_BYTES) {
    return {
      ok: false,
      message: `The text is ${megabytes(bytes.length)}, but the limit is ${megabytes(CUSTOM_TEXT_MAX_BYTES)}. Use a shorter excerpt, for example the first few chapters.`,
    };
  }
  // Checked before UTF-8, because most binary files also fail UTF-8 and this says why better.
  if (bytes.includes(0)) {
    return { ok: false, message: `This looks like a binary file, not text: it contains NUL bytes. ${plainTextHint}` };
  }
  let decoded: string;
  try {
    decoded = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return {
      ok: false,
      message: 'The file is not valid UTF-8 text. Open it in a text editor, save it with the encoding UTF-8, and drop it again.',
    };
  }
  const text = decoded.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n').normalize('NFC');

  let characters = 0;
  let controls = 0;
  const distinct = new Set<string>();
  for (const char of text) {
    characters++;
    if (isControl(char.codePointAt(0)!)) controls++;
    distinct.add(char);
  }
  if (controls > characters * MAX_CONTROL_SHARE) {
    return { ok: false, message: `This looks like a binary file, not text: ${controls} of its ${characters} characters are control codes. ${plainTextHint}` };
  }
  if (text.trim() === '') {
    return { ok: false, message: `The text has only spaces and line breaks. Paste or drop at least ${CUSTOM_TEXT_MIN_CHARS} characters of words.` };
  }
  if (characters < CUSTOM_TEXT_MIN_CHARS) {
    return {
      ok: false,
      message: `The text has ${characters} characters, but the model needs at least ${CUSTOM_TEXT_MIN_CHARS} to learn from and to hold some back for testing. Paste or drop a longer text.`,
    };
  }
  if (distinct.size > CUSTOM_TEXT_MAX_VOCAB) {
    return {
      ok: false,
      message:
        `The text uses ${distinct.size} different characters, but the limit is ${CUSTOM_TEXT_MAX_VOCAB}. ` +
        'Use text mostly in one alphabet, or remove rare symbols and emoji.',
    };
  }
  return { ok: true, text };
}
