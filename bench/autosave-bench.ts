// ui.autosaveShare: the share of training time that autosaving costs the step path, measured
// on the worker's own TrainingSession (run here on the harness page) while a demo trains.
import { TrainingSession } from '../src/lib/worker/session.ts';
import type { WorkerEvent } from '../src/lib/worker/protocol.ts';
import { defaultConfig, type DemoKind } from '../src/lib/engine/config.ts';
import type { BackendName } from '../src/lib/engine/backend-names.ts';

export interface AutosaveShare {
  /** Snapshot time on the step path divided by training time. */
  share: number;
  saves: number;
  trainingMs: number;
  savingMs: number;
  steps: number;
}

export async function measureAutosaveShare(options: { demo: DemoKind; backend: BackendName; seconds: number; mnistUrl: string }): Promise<AutosaveShare> {
  let steps = 0;
  let onEvent: (event: WorkerEvent) => void = () => {};
  const session = new TrainingSession((event) => {
    if (event.type === 'progress') steps = event.step;
    onEvent(event);
  });
  const next = (type: WorkerEvent['type']) => new Promise<void>((resolve) => (onEvent = (event) => event.type === type && resolve()));
  const ready = next('run');
  session.handle({ type: 'init', requestedBackend: options.backend, mnistUrl: options.mnistUrl });
  session.handle({ type: 'configure', config: defaultConfig(options.demo) });
  await ready;
  session.handle({ type: 'train' });
  await new Promise((resolve) => setTimeout(resolve, options.seconds * 1000));
  const stopped = next('state');
  session.handle({ type: 'pause' });
  await stopped;
  const { trainingMs, savingMs, saves } = session.trainingTotals;
  return { share: savingMs / trainingMs, saves, trainingMs, savingMs, steps };
}
