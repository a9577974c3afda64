import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { TrainConfig } from '../../src/lib/engine/config.ts';
import { buildDataset } from '../../src/lib/datasets/registry.ts';
import { decodeMnist, MNIST_ASSET_PATH, type MnistImages } from '../../src/lib/datasets/mnist.ts';
import { Trainer, type Evaluation } from '../../src/lib/engine/trainer.ts';

const root = new URL('../../', import.meta.url);

/**
 * Runs the real build script (a no-op when the asset is up to date) and decodes its output
 * with the app's decoder, so a test run never depends on a stale or hand-made file.
 */
export function loadMnistAsset(): MnistImages {
  execFileSync(process.execPath, [fileURLToPath(new URL('scripts/build-mnist.mjs', root))], { stdio: 'pipe' });
  return decodeMnist(new Uint8Array(readFileSync(new URL(`public/${MNIST_ASSET_PATH}`, root))));
}

export interface AccuracyRun {
  /** Steps taken when the target was first reached, or maxSteps if it never was. */
  steps: number;
  reached: boolean;
  best: number;
  seconds: number;
  evaluations: Evaluation[];
}

/**
 * Trains from scratch, evaluating on the fixed held-out digits every `evalEvery` steps, and
 * stops at the first evaluation whose accuracy reaches `target`.
 */
export async function trainUntilAccuracy(
  config: TrainConfig,
  mnist: MnistImages,
  options: { target: number; evalEvery: number; maxSteps: number; onEvaluation?: (e: Evaluation) => void },
): Promise<AccuracyRun> {
  const started = performance.now();
  const trainer = Trainer.create(config, buildDataset(config, { mnist }));
  const evaluations: Evaluation[] = [];
  let best = 0;
  try {
    while (trainer.step < options.maxSteps) {
      for (let i = 0; i < options.evalEvery; i++) trainer.trainStep();
      // Reading the losses frees them; otherwise each step leaves a scalar on the backend.
      await trainer.readLosses();
      const { evaluation } = await trainer.evaluate();
      evaluations.push(evaluation);
      options.onEvaluation?.(evaluation);
      best = Math.max(best, evaluation.testAccuracy ?? 0);
      if (best >= options.target) break;
    }
    return { steps: trainer.step, reached: best >= options.target, best, seconds: (performance.now() - started) / 1000, evaluations };
  } finally {
    trainer.dispose();
  }
}
