/**
 * The README's reference numbers for the Text demo, on the CPU backend (Node):
 *   - reverse: steps until greedy answers to all 200 held-out questions (prompts of 8
 *     letters) are at least 99% exact, evaluating every TEXT_REFERENCE_EVERY steps (25);
 *   - cities: held-out bits per character of the city names after TEXT_REFERENCE_STEPS steps,
 *     with a few greedy and sampled names to show what the model writes by then.
 * Both use the Text demo's default settings (defaultConfig('text')) unless TEXT_CONFIG overrides
 * fields. Too slow for every test run, so it is skipped unless asked for:
 *
 *   TEXT_REFERENCE=1 npx vitest run test/unit/text-reference.bench-manual.test.ts
 *
 * TEXT_REFERENCE=reverse or =cities runs one of them. TEXT_CONFIG='{"width":32}' overrides
 * fields of the default text config. Progress is printed per evaluation; cities evaluates every
 * 5 × TEXT_REFERENCE_EVERY steps (100 unless set).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { defaultConfig, parseConfig, type TrainConfig } from '../../src/lib/engine/config.ts';
import { buildTextDataset, DEFAULT_TEXT_DATA_CONFIG, nameListAssetPath, type TextDatasetName } from '../../src/lib/text/data/index.ts';
import { TextTrainer } from '../../src/lib/text/text-trainer.ts';
import { answerToyExamples } from '../../src/lib/text/toy-exact-match.ts';

const root = new URL('../../', import.meta.url);
const requested = process.env.TEXT_REFERENCE ?? '';
const overrides: object = JSON.parse(process.env.TEXT_CONFIG ?? '{}');
const EVAL_EVERY = process.env.TEXT_REFERENCE_EVERY === undefined ? undefined : Number(process.env.TEXT_REFERENCE_EVERY);
/** The reverse task is learned in a few hundred steps, so it is checked often enough to say when. */
const REVERSE_EVAL_EVERY = EVAL_EVERY ?? 25;
const CITY_EVAL_EVERY = 5 * (EVAL_EVERY ?? 100);
/** Steps of the cities run: about what a laptop GPU trains in a few minutes. */
const CITY_STEPS = Number(process.env.TEXT_REFERENCE_STEPS ?? 2000);
/** A generous cap, so a regression shows up as a failure instead of a run that never ends. */
const REVERSE_MAX_STEPS = Number(process.env.TEXT_REFERENCE_MAX_STEPS ?? 3000);
const REVERSE_TARGET = 0.99;

/** The Text demo's settings for `dataset`, as the worker builds its data (DatasetSource.buildText). */
function textRun(dataset: TextDatasetName, nameList?: string): { config: TrainConfig; trainer: TextTrainer } {
  const config = parseConfig({ ...defaultConfig('text'), dataset, ...overrides });
  const data = buildTextDataset(
    { ...DEFAULT_TEXT_DATA_CONFIG, textDataset: dataset, seed: config.seed, testFraction: config.testFraction, taskLength: config.taskLength, taskDigits: config.taskDigits },
    { nameList },
  );
  return { config, trainer: TextTrainer.create(config, { dataset: data }) };
}

async function trainSteps(trainer: TextTrainer, steps: number): Promise<void> {
  for (let i = 0; i < steps; i++) trainer.trainStep();
  // Reading the losses frees them; otherwise each step leaves a scalar on the backend.
  await trainer.readLosses();
}

const bits = (nats: number) => nats / Math.LN2;

describe.skipIf(requested === '')('text reference (CPU backend)', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it.skipIf(requested !== '1' && requested !== 'reverse')(
    `reverse (length 8) reaches ${REVERSE_TARGET * 100}% exact match on held-out questions`,
    async () => {
      const { config, trainer } = textRun('reverse');
      const { examples } = trainer.source.dataset;
      const started = performance.now();
      let reachedAt = 0;
      try {
        while (trainer.step < REVERSE_MAX_STEPS && reachedAt === 0) {
          await trainSteps(trainer, REVERSE_EVAL_EVERY);
          const answers = await answerToyExamples(trainer.spec, trainer.params, trainer.source.dataset.vocab, examples);
          const exact = answers.filter((a) => a.correct).length / answers.length;
          const { evaluation } = await trainer.evaluate();
          const seconds = (performance.now() - started) / 1000;
          console.log(`reverse step ${trainer.step}: exact match ${(exact * 100).toFixed(1)}% of ${answers.length}, held-out ${bits(evaluation.testLoss).toFixed(3)} bits/char, ${seconds.toFixed(0)} s`);
          if (exact >= REVERSE_TARGET) reachedAt = trainer.step;
        }
        const seconds = (performance.now() - started) / 1000;
        console.log(`reverse: ${reachedAt ? `reached ${REVERSE_TARGET * 100}% at step ${reachedAt}` : 'did NOT reach the target'} in ${seconds.toFixed(0)} s; config ${JSON.stringify(config)}`);
        expect(reachedAt).toBeGreaterThan(0);
      } finally {
        trainer.dispose();
      }
    },
    60 * 60_000,
  );

  it.skipIf(requested !== '1' && requested !== 'cities')(
    `cities: held-out bits per character after ${CITY_STEPS} steps`,
    async () => {
      execFileSync(process.execPath, [fileURLToPath(new URL('scripts/build-text.mjs', root))], { stdio: 'pipe' });
      const list = readFileSync(new URL(`public/${nameListAssetPath('cities')}`, root), 'utf8');
      const { config, trainer } = textRun('cities', list);
      const started = performance.now();
      try {
        const first = await trainer.evaluate();
        console.log(`cities step 0: held-out ${bits(first.evaluation.testLoss).toFixed(3)} bits/char`);
        let heldOut = Infinity;
        while (trainer.step < CITY_STEPS) {
          await trainSteps(trainer, Math.min(CITY_EVAL_EVERY, CITY_STEPS - trainer.step));
          const { evaluation } = await trainer.evaluate();
          heldOut = bits(evaluation.testLoss);
          const train = bits(trainer.lossHistory.slice(-50).reduce((a, b) => a + b, 0) / 50);
          const seconds = (performance.now() - started) / 1000;
          console.log(`cities step ${trainer.step}: held-out ${heldOut.toFixed(3)} bits/char, training (last 50 steps) ${train.toFixed(3)}, ${seconds.toFixed(0)} s`);
        }
        const sampled = await trainer.sample('\n', 0.8, 120);
        const seconds = (performance.now() - started) / 1000;
        console.log(`cities: ${heldOut.toFixed(3)} bits/char held out after ${CITY_STEPS} steps in ${seconds.toFixed(0)} s; config ${JSON.stringify(config)}`);
        console.log(`cities sample at temperature 0.8:\n${sampled.text}`);
        // Uniform over the 57 characters is 5.85 bits; a model that learned spelling is well below.
        expect(heldOut).toBeLessThan(4);
      } finally {
        trainer.dispose();
      }
    },
    60 * 60_000,
  );
});
