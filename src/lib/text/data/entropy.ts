import type { CharVocab } from './char-vocab.ts';

/** Cross-entropy per character in nats (what softmax cross-entropy with natural logs reports) to bits per character. */
export function natsToBitsPerChar(nats: number): number {
  return nats / Math.LN2;
}

/**
 * The conditional entropy H(next | current), in bits per character, of the character pairs
 * in a token stream, from counts:
 *
 *   H = -Σ_{a,b} p(a, b) · log2 p(b | a),  p(a, b) = n(a, b) / N,  p(b | a) = n(a, b) / n(a, ·)
 *
 * over the N = length − 1 consecutive pairs. This is the lowest mean loss a bigram model (a
 * table of next-character logits) can reach on this stream, so a trained bigram model is
 * checked against it.
 */
export function bigramEntropyBitsOfTokens(tokens: ArrayLike<number>, vocabSize: number): number {
  if (tokens.length < 2) throw new RangeError(`Bigram entropy needs at least two tokens, but the stream has ${tokens.length}.`);
  const pairs = new Float64Array(vocabSize * vocabSize);
  const firsts = new Float64Array(vocabSize);
  for (let i = 0; i + 1 < tokens.length; i++) {
    pairs[tokens[i] * vocabSize + tokens[i + 1]]++;
    firsts[tokens[i]]++;
  }
  let bits = 0;
  for (let a = 0; a < vocabSize; a++) {
    for (let b = 0; b < vocabSize; b++) {
      const n = pairs[a * vocabSize + b];
      if (n > 0) bits -= n * Math.log2(n / firsts[a]);
    }
  }
  return bits / (tokens.length - 1);
}

/** `bigramEntropyBitsOfTokens` of `text` encoded with `vocab`. */
export function bigramEntropyBits(text: string, vocab: CharVocab): number {
  return bigramEntropyBitsOfTokens(vocab.encode(text), vocab.size);
}
