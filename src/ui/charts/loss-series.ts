import type { Evaluation } from '../../lib/engine/trainer.ts';

/** Most points the chart draws; longer histories are averaged into this many buckets. */
export const MAX_CHART_POINTS = 800;

/**
 * Aligned series for uPlot: x = step, training loss averaged per bucket, and the test loss
 * placed at the bucket that holds its step (null elsewhere; the chart spans the gaps).
 */
export function lossSeries(history: readonly number[], evaluations: readonly Evaluation[], maxPoints = MAX_CHART_POINTS): [number[], (number | null)[], (number | null)[]] {
  const bucket = Math.max(1, Math.ceil(history.length / maxPoints));
  const steps: number[] = [];
  const train: (number | null)[] = [];
  for (let start = 0; start < history.length; start += bucket) {
    const end = Math.min(start + bucket, history.length);
    let sum = 0;
    let finite = 0;
    for (let i = start; i < end; i++) {
      if (Number.isFinite(history[i])) {
        sum += history[i];
        finite++;
      }
    }
    steps.push(end);
    train.push(finite > 0 ? sum / finite : null);
  }
  const test: (number | null)[] = steps.map(() => null);
  for (const evaluation of evaluations) {
    if (evaluation.step === 0 || !Number.isFinite(evaluation.testLoss)) continue;
    const index = Math.min(steps.length - 1, Math.ceil(evaluation.step / bucket) - 1);
    if (index >= 0) test[index] = evaluation.testLoss;
  }
  return [steps, train, test];
}

/** The whole history as CSV: one row per step, with the test loss where it was measured. */
export function lossCsv(history: readonly number[], evaluations: readonly Evaluation[]): string {
  const test = new Map(evaluations.map((e) => [e.step, e]));
  const rows = ['step,train_loss,test_loss,test_accuracy'];
  history.forEach((loss, i) => {
    const evaluation = test.get(i + 1);
    rows.push(`${i + 1},${loss},${evaluation?.testLoss ?? ''},${evaluation?.testAccuracy ?? ''}`);
  });
  return rows.join('\n') + '\n';
}

/** Tick spacings for the step axis: 1, 2, 5, 10, 20, 50, … so every tick is a whole step. */
export const STEP_INCREMENTS: number[] = Array.from({ length: 8 }, (_, power) => [1, 2, 5].map((m) => m * 10 ** power)).flat();
