import * as tf from '@tensorflow/tfjs';
import type { CharVocab } from './data/char-vocab.ts';
import { isExactMatch, type ToyExample } from './data/toy-tasks.ts';
import { textForward } from './model/gpt-forward.ts';
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
      const width = window[0].length;
      const next = tf.tidy(() => {
        const logits = textForward(spec, params, tf.tensor2d(window.flat(), [window.length, width], 'int32'));
        return logits.slice([0, width - 1, 0], [window.length, 1, spec.vocabSize]).reshape([window.length, spec.vocabSize]).argMax(-1);
      });
      const ids = await next.data();
      next.dispose();
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
