/**
 * The README's reference numbers for the digits demo: steps (and CPU seconds) until the MLP
 * reaches 95% and the small CNN 97% test accuracy, evaluating every 100 steps. Too slow for
 * every test run, so it is skipped unless asked for:
 *
 *   DIGITS_REFERENCE=1 npx vitest run test/unit/digits-reference.bench-manual.test.ts
 *
 * It takes about half a minute for the MLP and 2-3 minutes for the CNN on a 2-core machine.
 * DIGITS_REFERENCE=mlp or =cnn runs only that model. DIGITS_CONFIG='{"learningRate":0.001}'
 * overrides fields of the default digits config, to try alternatives. Progress is printed per
 * evaluation.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { defaultConfig, parseConfig, type TrainConfig } from '../../src/lib/engine/config.ts';
import type { MnistImages } from '../../src/lib/datasets/mnist.ts';
import { loadMnistAsset, trainUntilAccuracy } from './digits-support.ts';
import { installFastCpuKernels } from '../../src/lib/models/cpu-kernels.ts';


const requested = process.env.DIGITS_REFERENCE ?? '';
const overrides: object = JSON.parse(process.env.DIGITS_CONFIG ?? '{}');
const EVAL_EVERY = 100;
/** Generous caps so a regression shows up as a failure instead of a run that never ends. */
const MAX_STEPS = { mlp: 10_000, cnn: 15_000 };
const TARGETS = { mlp: 0.95, cnn: 0.97 };

describe.skipIf(requested === '')('digits reference (CPU backend)', () => {
  let mnist: MnistImages;
  beforeAll(async () => {
    await tf.setBackend('cpu');
    installFastCpuKernels();
    mnist = loadMnistAsset();
  });

  for (const model of ['mlp', 'cnn'] as const) {
    it.skipIf(requested !== '1' && requested !== model)(
      `${model} reaches ${TARGETS[model] * 100}% test accuracy`,
      async () => {
        // parseConfig names any unknown or out-of-range key in DIGITS_CONFIG.
        const config: TrainConfig = parseConfig({ ...defaultConfig('digits'), model, ...overrides });
        const run = await trainUntilAccuracy(config, mnist, {
          target: TARGETS[model],
          evalEvery: EVAL_EVERY,
          maxSteps: MAX_STEPS[model],
          onEvaluation: (e) => console.log(`${model} step ${e.step}: accuracy ${(e.testAccuracy! * 100).toFixed(2)}%, test loss ${e.testLoss.toFixed(4)}`),
        });
        console.log(
          `${model}: ${run.reached ? 'reached' : 'did NOT reach'} ${TARGETS[model] * 100}% at step ${run.steps} ` +
            `(best ${(run.best * 100).toFixed(2)}%) in ${run.seconds.toFixed(0)} s; config ${JSON.stringify(config)}`,
        );
        expect(run.reached).toBe(true);
      },
      40 * 60_000,
    );
  }
});
