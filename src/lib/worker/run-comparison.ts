import * as tf from '@tensorflow/tfjs';
import { fromCheckpoint } from '../checkpoint/training-state.ts';
import { NoIntactCheckpointError } from '../checkpoint/errors.ts';
import type { Persistence } from './persistence.ts';
import type { ComparedRun } from './protocol.ts';

/**
 * Reads what a comparison chart draws from each run's newest intact checkpoint: its config,
 * its per-step loss history and its evaluations. Nothing is trained or put on screen.
 */
export async function compareRuns(persistence: Persistence, runIds: string[]): Promise<ComparedRun[]> {
  const store = persistence.store;
  if (!store) throw new Error('Checkpoints are unavailable in this browser session, so there are no stored runs to compare.');
  // A Pause just before Compare is still saving; its checkpoint belongs in the chart.
  await persistence.settle();
  const names = new Map((await store.listRuns()).map((run) => [run.id, run.name]));
  const runs: ComparedRun[] = [];
  for (const runId of runIds) {
    const name = names.get(runId);
    if (name === undefined) throw new Error('One of the runs to compare was deleted in the meantime; choose the runs again.');
    const nothing = (why: string): ComparedRun => ({ runId, name, config: null, losses: new Float32Array(0), evaluations: [], problem: `“${name}” ${why}, so there is nothing to draw for it.` });
    let loaded;
    try {
      loaded = await store.loadLatest(runId);
    } catch (error) {
      if (!(error instanceof NoIntactCheckpointError)) throw error;
      runs.push(nothing('has only damaged checkpoints'));
      continue;
    }
    if (!loaded) {
      runs.push(nothing('has no checkpoint yet'));
      continue;
    }
    // The one decoder of the training state, so a comparison reads checkpoints as Resume does.
    // A checkpoint it refuses (say, from a newer version) leaves the other runs to compare.
    let state;
    try {
      state = fromCheckpoint(loaded);
    } catch (error) {
      runs.push(nothing(`has a checkpoint that could not be read (${(error as Error).message.replace(/\.$/, '')})`));
      continue;
    }
    const { config, captured } = state;
    tf.dispose(captured.tensors.map(({ tensor }) => tensor));
    runs.push({ runId, name, config, losses: captured.lossHistory, evaluations: [...captured.progress.evaluations], problem: null });
  }
  return runs;
}
