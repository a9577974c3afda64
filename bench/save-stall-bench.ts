// How many step-times training loses around a 16 MB save. Runs in the test harness page
// (window.lib.saveStallBench) through bench/bench.spec.ts. Training runs the app's loop;
// the save is taken as the worker takes it: captureState() at a step boundary, then
// Persistence.save() in the background (snapshot, encode, hash, temp write, verify, commit).
import { defaultConfig, type TrainConfig } from '../src/lib/engine/config.ts';
import { chooseBackend } from '../src/lib/engine/backend.ts';
import { Trainer } from '../src/lib/engine/trainer.ts';
import { buildDataset } from '../src/lib/datasets/registry.ts';
import { Persistence } from '../src/lib/worker/persistence.ts';
import type { CheckpointMeta } from '../src/lib/checkpoint/training-state.ts';
import { AppTrainingLoop, loadMnist } from './train-bench.ts';
import { median } from './stats.ts';

/**
 * The digits MLP widened past what the settings form allows, so that weights plus both Adam
 * slots come to about 16 MB: 3 × 1.33 M float32 values. A small batch keeps a step short
 * (on SwiftShader ~2 s at batch 64, ~0.7 s at batch 8), so a save weighs more steps.
 */
export const STALL_CONFIG: TrainConfig = { ...defaultConfig('digits'), hidden: [1024, 512], batchSize: 8 };
/** A window lasts at least this long and this many steps, so one slow step weighs less. */
const MIN_WINDOW_MS = 3000;
const MIN_WINDOW_STEPS = 5;

export interface SaveStallOptions {
  mnistUrl: string;
  repeats?: number;
  onLog?: (line: string) => void;
}

export interface SaveStallResult {
  backend: string;
  /** Bytes of every tensor the save captured. */
  stateBytes: number;
  /** Median step time of the windows without a save. */
  stepMs: number;
  /** One save with training idle, for sizing the windows. */
  saveAloneMs: number;
  /** Steps in a window; a window with a save runs on until the save has committed. */
  windowSteps: number;
  /** Median of the per-window losses, in step-times; negative values are noise. */
  stallSteps: number;
  stallRuns: number[];
}

export async function runSaveStallBench(options: SaveStallOptions): Promise<SaveStallResult> {
  const repeats = options.repeats ?? 5;
  const log = options.onLog ?? (() => {});
  // The default backend, as the app picks it: WebGPU where there is an adapter.
  const backend = await chooseBackend();
  const trainer = Trainer.create(STALL_CONFIG, buildDataset(STALL_CONFIG, { mnist: await loadMnist(options.mnistUrl) }));
  const loop = new AppTrainingLoop(trainer);
  const failures: string[] = [];
  const persistence = new Persistence((event) => {
    if (event.type === 'saveFailed' || event.type === 'error') failures.push(event.message);
  });
  await persistence.open();
  if (!persistence.store) throw new Error('The checkpoint store could not be opened in the harness page, so no save can be timed.');
  const meta: CheckpointMeta = { runId: 'bench-save-stall', runName: 'Save stall bench', config: STALL_CONFIG, backend: backend.name };
  /** What the worker's saveAtBoundary (session.ts) does on the step path; the rest runs in the background. */
  const startSave = async () => {
    const captured = await trainer.captureState();
    const bytes = captured.tensors.reduce((sum, t) => sum + t.tensor.size * 4, 0);
    return { bytes, saved: persistence.save(captured, meta, 'autosave') };
  };

  try {
    // 1. warm up: shaders, the first steps, and one save with training idle
    await loop.train(MIN_WINDOW_STEPS);
    const aloneStart = performance.now();
    const { bytes: stateBytes, saved } = await startSave();
    await saved;
    const saveAloneMs = performance.now() - aloneStart;
    if (failures.length > 0) throw new Error(`A save failed during the stall benchmark: ${failures[0]}`);
    const probeMs = (await loop.train(MIN_WINDOW_STEPS)) / MIN_WINDOW_STEPS;
    const windowSteps = Math.max(MIN_WINDOW_STEPS, Math.min(300, Math.ceil(Math.max(MIN_WINDOW_MS, 2 * saveAloneMs) / probeMs)));
    log(`save stall: ${(stateBytes / 1e6).toFixed(1)} MB state, save alone ${saveAloneMs.toFixed(0)} ms, step ${probeMs.toFixed(1)} ms, windows of ${windowSteps} steps`);

    // 2. windows without a save (B) and with one (S), as B S B S … B: each save window is
    //    compared with the mean step time of the windows on either side, which cancels drift
    const stepTimes: number[] = [];
    const stallRuns: number[] = [];
    let stepMsBefore = (await loop.train(windowSteps)) / windowSteps;
    for (let i = 0; i < repeats; i++) {
      const firstStep = trainer.step;
      const start = performance.now();
      const { saved } = await startSave();
      let committed = false;
      const done = saved.then(() => void (committed = true));
      await loop.train(windowSteps);
      // The window must hold the whole save: keep training, at the loop's own pace, until it commits.
      while (!committed) await loop.train(loop.stepsPerRead);
      await done;
      if (failures.length > 0) throw new Error(`A save failed during the stall benchmark: ${failures[0]}`);
      const elapsed = performance.now() - start;
      const steps = trainer.step - firstStep;
      const stepMsAfter = (await loop.train(windowSteps)) / windowSteps;
      const stepMs = (stepMsBefore + stepMsAfter) / 2;
      stepTimes.push(stepMs);
      stallRuns.push(elapsed / stepMs - steps);
      log(`save stall, window ${i + 1}/${repeats}: ${steps} steps in ${elapsed.toFixed(0)} ms against ${stepMs.toFixed(1)} ms per step without a save: ${stallRuns.at(-1)!.toFixed(2)} steps lost`);
      stepMsBefore = stepMsAfter;
    }
    return { backend: backend.name, stateBytes, stepMs: median(stepTimes), saveAloneMs, windowSteps, stallSteps: median(stallRuns), stallRuns };
  } finally {
    await persistence.settle();
    persistence.store?.close();
    trainer.dispose();
  }
}
