import type * as tf from '@tensorflow/tfjs';
import type { CharVocab } from './data/char-vocab.ts';
import { isExactMatch, type ToyExample } from './data/toy-tasks.ts';
import { tfjsLastLogits, type LastLogits } from './model/sample.ts';
import type { TextModelSpec } from './model/gpt-spec.ts';

/** One held-out question with what the model answered. */
export interface ToyAnswer {
  prompt: string;
  answer: string;
  output: string;
  correct: boolean;
}

/**
 * Greedy answers to held-out toy questions, scored by exact match. Questions of equal length
 * are decoded together, one forward pass per generated character for the whole group, so a
 * score costs (answer length + 1) passes per prompt length, not one pass per character of
 * every question. Each prompt follows a newline, as in training.
 */
export async function answerToyExamples(spec: TextModelSpec, params: readonly tf.Tensor[], vocab: CharVocab, examples: readonly ToyExample[]): Promise<ToyAnswer[]> {
  return answerToyExamplesWith(spec, tfjsLastLogits(spec, params), vocab, examples);
}

/** The first index of the largest value in each row of [rows × width]: argMax's choice. */
function argMaxRows(values: Float32Array, rows: number): number[] {
  const width = values.length / rows;
  return Array.from({ length: rows }, (_, r) => {
    let best = 0;
    for (let i = 1; i < width; i++) if (values[r * width + i] > values[r * width + best]) best = i;
    return best;
  });
}

/** answerToyExamples with any model's logits (the fused forward pass on WebGPU). */
export async function answerToyExamplesWith(spec: TextModelSpec, lastLogits: LastLogits, vocab: CharVocab, examples: readonly ToyExample[]): Promise<ToyAnswer[]> {
  const context = spec.kind === 'gpt' ? spec.context : 1;
  const newline = vocab.idOf('\n');
  const groups = new Map<number, number[]>();
  examples.forEach((example, i) => {
    const length = [...example.prompt].length;
    groups.set(length, [...(groups.get(length) ?? []), i]);
  });
  const outputs: string[] = examples.map(() => '');
  for (const members of groups.values()) {
    const rows = members.map((i) => [newline, ...vocab.encode(examples[i].prompt)]);
    const steps = Math.max(...members.map((i) => examples[i].answer.length)) + 1;
    for (let s = 0; s < steps; s++) {
      const window = rows.map((row) => row.slice(Math.max(0, row.length - context)));
      const ids = argMaxRows(await lastLogits(window), window.length);
      rows.forEach((row, r) => row.push(ids[r]));
    }
    members.forEach((i, r) => (outputs[i] = vocab.decode(rows[r].slice(1 + [...examples[i].prompt].length))));
  }
  return examples.map((example, i) => {
    const end = outputs[i].indexOf('\n');
    const output = end === -1 ? outputs[i] : outputs[i].slice(0, end);
    return { prompt: example.prompt, answer: example.answer, output, correct: isExactMatch(example, outputs[i]) };
  });
}
