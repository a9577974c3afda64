import type { TrainConfig } from '../engine/config.ts';
import type { Trainer } from '../engine/trainer.ts';
import type { CheckpointSaver } from './checkpoint-saver.ts';
import type { DatasetSource } from './dataset-source.ts';
import type { TrainingLoop } from './training-loop.ts';
import type { WorkerEvent } from './protocol.ts';
import { runData } from './run-data.ts';

/** What an in-place change of a run's points touches. */
export interface PointsChangeParts {
  datasets: DatasetSource;
  saver: CheckpointSaver;
  loop: TrainingLoop;
  post(event: WorkerEvent): void;
}

/**
 * A curve run's points changed: the run keeps its weights, optimizer state and step, and
 * trains on the new points from the next step boundary (Trainer.replaceData). From there its
 * config holds the new points, so the next checkpoint, and a Resume from it, has them too.
 */
export async function replaceCurvePoints(trainer: Trainer, config: TrainConfig, parts: PointsChangeParts): Promise<void> {
  const dataset = await parts.datasets.build(config);
  // Training goes on with the old points while a kernel for a new batch size compiles.
  await trainer.prepareData(config, dataset);
  const replace = () => {
    trainer.replaceData(config, dataset);
    parts.saver.configChanged();
    parts.post({ type: 'configured', config, data: runData(trainer) });
  };
  if (parts.loop.active) await parts.loop.atStepBoundary(replace);
  else replace();
}
