import { describe, expect, it } from 'vitest';
import {
  buildTextDataset,
  DEFAULT_TEXT_DATA_CONFIG,
  formatToyExample,
  generateHeldOutExamples,
  generateTrainingExamples,
  isExactMatch,
  TOY_TASKS,
  type ToyExample,
  type ToyExampleRequest,
  type ToyTaskName,
} from '../../src/lib/text/data/index.ts';

const request = (task: ToyTaskName, overrides: Partial<ToyExampleRequest> = {}): ToyExampleRequest => ({
  task,
  options: { length: 8, digits: 3 },
  seed: 1,
  heldOutFraction: 0.1,
  count: 2000,
  ...overrides,
});

/** The shortest closing sequence for a prefix, or null if the prefix closes a bracket it never opened. */
function closingFor(prefix: string): string | null {
  const pairs: Record<string, string> = { '(': ')', '[': ']', '{': '}' };
  const open: string[] = [];
  for (const char of prefix) {
    if (char in pairs) open.push(pairs[char]);
    else if (open.pop() !== char) return null;
  }
  return open.reverse().join('');
}

function isBalanced(text: string): boolean {
  return closingFor(text) === '';
}

const checks: Record<ToyTaskName, (question: string, answer: string) => void> = {
  reverse: (question, answer) => {
    expect(question).toMatch(/^[a-z]{8}$/);
    expect(answer).toBe([...question].reverse().join(''));
  },
  copy: (question, answer) => {
    expect(question).toMatch(/^[a-z]{8}$/);
    expect(answer).toBe(question);
  },
  sort: (question, answer) => {
    expect(question).toMatch(/^[0-9]{8}$/);
    expect([...answer].sort().join('')).toBe(answer);
    expect([...question].sort().join('')).toBe(answer);
  },
  add: (question, answer) => {
    const match = /^(0|[1-9][0-9]{0,2})\+(0|[1-9][0-9]{0,2})$/.exec(question);
    expect(match, question).not.toBeNull();
    expect(Number(match![1]) + Number(match![2])).toBe(Number(answer));
    expect(answer).toBe(String(Number(answer)));
  },
  brackets: (question, answer) => {
    expect(question).toMatch(/^[()[\]{}]{8}$/);
    expect(closingFor(question)).toBe(answer);
    expect(isBalanced(question + answer)).toBe(true);
  },
};

function checkExample(task: ToyTaskName, { prompt, answer }: ToyExample): void {
  expect(prompt.endsWith('=')).toBe(true);
  checks[task](prompt.slice(0, -1), answer);
}

describe.each(TOY_TASKS)('the %s task', (task) => {
  it('generates correct examples, training and held out', () => {
    for (const example of generateTrainingExamples(request(task))) checkExample(task, example);
    for (const example of generateHeldOutExamples(request(task, { count: 200 }))) checkExample(task, example);
  });

  it('is seeded: the same seed gives the same examples, another seed others', () => {
    expect(generateTrainingExamples(request(task, { count: 50 }))).toEqual(generateTrainingExamples(request(task, { count: 50 })));
    expect(generateTrainingExamples(request(task, { seed: 2, count: 50 }))).not.toEqual(generateTrainingExamples(request(task, { count: 50 })));
    expect(generateHeldOutExamples(request(task, { count: 50 }))).toEqual(generateHeldOutExamples(request(task, { count: 50 })));
  });

  it('never trains on a held-out question', () => {
    const heldOut = generateHeldOutExamples(request(task, { count: 300 }));
    expect(heldOut.length).toBe(300);
    expect(new Set(heldOut.map((e) => e.prompt)).size).toBe(300);
    const training = new Set(generateTrainingExamples(request(task, { count: 20_000 })).map((e) => e.prompt));
    expect(heldOut.filter((e) => training.has(e.prompt))).toEqual([]);
  });

  it('builds a dataset whose text is the examples, one per line, in the task alphabet', () => {
    const dataset = buildTextDataset({ ...DEFAULT_TEXT_DATA_CONFIG, textDataset: task, taskExamples: 500, taskTestExamples: 40 });
    const lines = dataset.trainText.split('\n');
    expect(lines.pop()).toBe('');
    expect(lines.length).toBe(500);
    for (const line of lines) {
      const split = line.indexOf('=') + 1;
      checkExample(task, { prompt: line.slice(0, split), answer: line.slice(split) });
    }
    expect(dataset.examples.length).toBe(40);
    expect(dataset.heldOutText).toBe(dataset.examples.map(formatToyExample).join(''));
    expect(dataset.vocab.decode(dataset.heldOutTokens)).toBe(dataset.heldOutText);
  });
});

describe('toy task details', () => {
  it('adds numbers of the configured number of digits', () => {
    const examples = generateTrainingExamples(request('add', { options: { length: 8, digits: 5 }, count: 500 }));
    for (const { prompt, answer } of examples) {
      const [a, b] = prompt.slice(0, -1).split('+').map(Number);
      expect(a + b).toBe(Number(answer));
      expect(Math.max(a, b)).toBeLessThan(100_000);
    }
    expect(Math.max(...examples.map((e) => e.prompt.length))).toBe('12345+12345='.length);
  });

  it('uses the configured length, and the vocabulary is the whole task alphabet', () => {
    const example = generateTrainingExamples(request('reverse', { options: { length: 3, digits: 3 }, count: 1 }))[0];
    expect(example.prompt).toMatch(/^[a-z]{3}=$/);
    const dataset = buildTextDataset({ ...DEFAULT_TEXT_DATA_CONFIG, textDataset: 'sort', taskExamples: 100 });
    expect(dataset.vocab.chars.join('')).toBe('\n0123456789=');
    const add = buildTextDataset({ ...DEFAULT_TEXT_DATA_CONFIG, textDataset: 'add', taskExamples: 100 });
    expect(add.vocab.chars.join('')).toBe('\n+0123456789=');
  });

  it('gives some bracket prefixes that are already balanced, with an empty answer', () => {
    const examples = generateTrainingExamples(request('brackets', { count: 2000 }));
    expect(examples.some((e) => e.answer === '')).toBe(true);
    expect(examples.some((e) => e.answer.length >= 4)).toBe(true);
  });

  it('scores a continuation by exact match up to the newline', () => {
    const example = { prompt: '12+30=', answer: '42' };
    expect(isExactMatch(example, '42\n7+1=8')).toBe(true);
    expect(isExactMatch(example, '42')).toBe(true);
    expect(isExactMatch(example, '421\n')).toBe(false);
    expect(isExactMatch(example, '4\n')).toBe(false);
    expect(isExactMatch({ prompt: '()=', answer: '' }, '\n')).toBe(true);
  });

  it('holds out fewer questions when a task has few, and says so when it has none to spare', () => {
    const tiny = generateHeldOutExamples(request('add', { options: { length: 8, digits: 1 }, count: 500 }));
    expect(tiny.length).toBeGreaterThan(0);
    expect(tiny.length).toBeLessThan(30);
    // Copying one letter has 26 questions; find a seed that holds none of them out.
    const options = { length: 1, digits: 3 };
    const seeds = Array.from({ length: 100 }, (_, i) => i);
    const seed = seeds.find((s) => generateHeldOutExamples(request('copy', { options, seed: s, heldOutFraction: 0.05 })).length === 0);
    expect(seed).toBeDefined();
    expect(() => buildTextDataset({ ...DEFAULT_TEXT_DATA_CONFIG, textDataset: 'copy', taskLength: 1, seed: seed!, testFraction: 0.05 })).toThrow(
      'The copy task with these settings has too few different questions to hold any out; make the prompts longer.',
    );
  });
});
