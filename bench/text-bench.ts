// The Text demo's training speed: tokens (characters) per second of the default text model
// (defaultConfig('text'): the transformer on city names) on one backend, through the same
// TextTrainer and round loop the worker runs. Runs in the test harness page
// (window.lib.textBench) through bench/bench.spec.ts. There is no model.fit to compare with:
// TensorFlow.js Layers has no causal self-attention, so this reports absolute rates and, on
// WebGPU, the compute dispatches per step.
import * as tf from '@tensorflow/tfjs';
import { defaultConfig } from '../src/lib/engine/config.ts';
import { MNIST_ASSET_PATH } from '../src/lib/datasets/mnist.ts';
import { TextTrainer } from '../src/lib/text/text-trainer.ts';
import { DatasetSource } from '../src/lib/worker/dataset-source.ts';
import { AppTrainingLoop, dispatchesPerStep, type TrainBackendName } from './train-bench.ts';
import { median } from './stats.ts';
import type { KernelChoice } from '../src/lib/engine/backend-names.ts';

export interface TextBenchOptions {
  backend: TrainBackendName;
  /** 'tfjs' times the TensorFlow.js ops path where the default (on WebGPU) is our fused kernels. */
  kernels?: KernelChoice;
  /** Timed runs; the figure is their median. */
  repeats?: number;
  /** Steps per timed run are chosen so that one run takes about this long; default 3000. */
  targetRunMs?: number;
  /** Bounds of the steps per timed run; defaults 3 and 200. */
  minSteps?: number;
  maxSteps?: number;
  onLog?: (line: string) => void;
}

export interface TextBenchResult {
  backend: TrainBackendName;
  /** Which path trained: 'fused' (our WGSL kernels) or 'tfjs' (TensorFlow.js ops). */
  kernelPath: string;
  /** The model timed: layers, heads, width, context, batch and vocabulary size. */
  model: { layers: number; heads: number; width: number; context: number; batchSize: number; vocabSize: number; params: number };
  /** Characters each step trains on: batch × context. */
  tokensPerStep: number;
  /** Steps in every timed run. */
  steps: number;
  stepsPerSec: number;
  tokensPerSec: number;
  runs: number[];
  /** WebGPU only: compute dispatches per training step, loss readbacks included. */
  dispatchesPerStep?: number;
}

export async function runTextBench(options: TextBenchOptions): Promise<TextBenchResult> {
  const { backend } = options;
  const repeats = options.repeats ?? 5;
  const log = options.onLog ?? (() => {});
  if (!(await tf.setBackend(backend))) throw new Error(`The ${backend} backend could not be initialised in this browser, so the text model cannot be timed on it.`);
  const config = defaultConfig('text');
  // The app's own loader: the city names from our origin, beside the digits asset at the site's root.
  const source = new DatasetSource();
  source.mnistUrl = new URL(`/${MNIST_ASSET_PATH}`, location.origin).href;
  const numTensorsBefore = tf.memory().numTensors;
  const trainer = TextTrainer.create(config, await source.buildText(config), { kernels: options.kernels ?? 'auto' });
  const loop = new AppTrainingLoop(trainer);
  try {
    // 1. compile the shaders, then size the runs from two steps
    await trainer.warmUp();
    await loop.train(1);
    const stepMs = (await loop.train(2)) / 2;
    const wanted = Math.round((options.targetRunMs ?? 3000) / stepMs);
    const steps = Math.max(options.minSteps ?? 3, Math.min(options.maxSteps ?? 200, wanted));
    const dispatches = backend === 'webgpu' ? await dispatchesPerStep(loop, Math.min(steps, 10)) : undefined;

    // 2. timed runs
    const runs: number[] = [];
    for (let i = 0; i < repeats; i++) {
      runs.push((steps * 1000) / (await loop.train(steps)));
      log(`text model on ${backend}, run ${i + 1}/${repeats}: ${runs.at(-1)!.toFixed(2)} steps/s, ${(runs.at(-1)! * trainer.tokensPerStep).toFixed(0)} tokens/s`);
    }
    const stepsPerSec = median(runs);
    return {
      backend,
      kernelPath: trainer.kernelPath.kind,
      model: { layers: config.layers, heads: config.heads, width: config.width, context: config.context, batchSize: config.batchSize, vocabSize: trainer.spec.vocabSize, params: trainer.paramCount },
      tokensPerStep: trainer.tokensPerStep,
      steps,
      stepsPerSec,
      tokensPerSec: stepsPerSec * trainer.tokensPerStep,
      runs,
      ...(dispatches !== undefined && { dispatchesPerStep: dispatches }),
    };
  } finally {
    trainer.dispose();
    const leaked = tf.memory().numTensors - numTensorsBefore;
    if (leaked !== 0) log(`text model on ${backend}: ${leaked} tensors were not disposed.`);
  }
}
