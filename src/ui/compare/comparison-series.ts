import type { Evaluation } from '../../lib/engine/trainer.ts';
import { MAX_CHART_POINTS } from '../charts/loss-series.ts';

/** What one compared run contributes to the chart: its per-step losses and its evaluations. */
export interface RunHistory {
  losses: ArrayLike<number>;
  evaluations: readonly Evaluation[];
}

/** Which run and which measure a line of the chart shows. */
export interface LineSpec {
  run: number;
  kind: 'train' | 'test' | 'accuracy';
}

/**
 * Aligned columns for uPlot, one shared step axis for all runs: x = step (bucket ends, the same
 * buckets for every run so their lines line up), then per run its averaged training loss and its
 * test loss, and last the test accuracy of the runs that have one. A run shorter than the longest
 * has nulls past its end.
 */
export function comparisonSeries(runs: readonly RunHistory[], maxPoints = MAX_CHART_POINTS): { data: (number | null)[][]; lines: LineSpec[] } {
  const longest = Math.max(0, ...runs.map((run) => run.losses.length));
  const bucket = Math.max(1, Math.ceil(longest / maxPoints));
  const steps: number[] = [];
  for (let end = bucket; end - bucket < longest; end += bucket) steps.push(Math.min(end, longest));
  const at = (step: number) => Math.min(steps.length - 1, Math.ceil(step / bucket) - 1);

  const data: (number | null)[][] = [steps];
  const lines: LineSpec[] = [];
  runs.forEach((run, index) => {
    const train = steps.map((_, b) => {
      let sum = 0;
      let finite = 0;
      for (let i = b * bucket; i < Math.min((b + 1) * bucket, run.losses.length); i++) {
        if (Number.isFinite(run.losses[i])) {
          sum += run.losses[i];
          finite++;
        }
      }
      return finite > 0 ? sum / finite : null;
    });
    const test: (number | null)[] = steps.map(() => null);
    for (const evaluation of run.evaluations) {
      if (evaluation.step > 0 && Number.isFinite(evaluation.testLoss) && at(evaluation.step) >= 0) test[at(evaluation.step)] = evaluation.testLoss;
    }
    data.push(train, test);
    lines.push({ run: index, kind: 'train' }, { run: index, kind: 'test' });
  });
  runs.forEach((run, index) => {
    if (!run.evaluations.some((e) => e.testAccuracy !== undefined)) return;
    const accuracy: (number | null)[] = steps.map(() => null);
    for (const evaluation of run.evaluations) {
      if (evaluation.step > 0 && evaluation.testAccuracy !== undefined && at(evaluation.step) >= 0) accuracy[at(evaluation.step)] = evaluation.testAccuracy;
    }
    data.push(accuracy);
    lines.push({ run: index, kind: 'accuracy' });
  });
  return { data, lines };
}
