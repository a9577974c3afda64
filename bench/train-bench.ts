// Our Trainer against TensorFlow.js model.fit: same model, initial weights, data, batch size,
// optimizer and backend. Runs in the test harness page (window.lib.trainBench) through
// bench/bench.spec.ts. Each figure is steps per second, the median of several timed runs
// after a warm-up, with ours and fit's runs interleaved so both see the same machine load.
// On WebGPU, "ours" is the default path (fused WGSL kernels where they cover the model), and
// the Trainer on TensorFlow.js ops is timed beside it, with both paths' dispatches per step.
import * as tf from '@tensorflow/tfjs';
import { defaultConfig, type TrainConfig } from '../src/lib/engine/config.ts';
import { Trainer } from '../src/lib/engine/trainer.ts';
import type { TrainerLike } from '../src/lib/engine/trainer-like.ts';
import { ReadbackPacer } from '../src/lib/engine/readback-pacer.ts';
import { createOptimizer } from '../src/lib/engine/optimizers.ts';
import { buildDataset } from '../src/lib/datasets/registry.ts';
import { decodeMnist, type MnistImages } from '../src/lib/datasets/mnist.ts';
import { exampleCount, type Dataset } from '../src/lib/datasets/types.ts';
import { exportLayersModel } from '../src/lib/share/layers-format.ts';
import { trainOneRound } from '../src/lib/worker/training-loop.ts';
import type { TensorData } from '../src/lib/checkpoint/types.ts';
import { median } from './stats.ts';
import { installFastCpuKernels } from '../src/lib/models/cpu-kernels.ts';

/** The models we compare, by the name results.json uses. */
export const TRAIN_MODELS = {
  spiralMlp: () => defaultConfig('classify2d'),
  digitsMlp: () => defaultConfig('digits'),
  digitsCnn: (): TrainConfig => ({ ...defaultConfig('digits'), model: 'cnn' }),
} satisfies Record<string, () => TrainConfig>;
export type TrainModelName = keyof typeof TRAIN_MODELS;

export const TRAIN_BACKENDS = ['webgpu', 'cpu'] as const;
export type TrainBackendName = (typeof TRAIN_BACKENDS)[number];

export interface TrainBenchOptions {
  model: TrainModelName;
  backend: TrainBackendName;
  /** Where the digits asset is served, e.g. '/data/mnist.bin'. */
  mnistUrl: string;
  /** Timed runs of each side; the figure is their median. */
  repeats?: number;
  /** Steps per timed run are chosen so that one run of ours takes about this long; default 1500. */
  targetRunMs?: number;
  /** Bounds of the steps per timed run; defaults 1 and 400. */
  minSteps?: number;
  maxSteps?: number;
  onLog?: (line: string) => void;
}

export interface TrainBenchResult {
  model: TrainModelName;
  backend: TrainBackendName;
  batchSize: number;
  /** Steps in every timed run, ours and fit's alike. */
  steps: number;
  /** fit's epochs per timed run: 1, or steps / steps per epoch when a run spans epochs. */
  epochs: number;
  ourStepsPerSec: number;
  fitStepsPerSec: number;
  /** ourStepsPerSec / fitStepsPerSec; above 1 means we train faster. */
  ratio: number;
  ourRuns: number[];
  fitRuns: number[];
  /** How our default Trainer trains here, e.g. 'fused' or 'tfjs (fused kernels need WebGPU, and the backend is cpu)'. */
  kernelPath: string;
  /** WebGPU only: the Trainer forced onto TensorFlow.js ops (kernels: 'tfjs'), same steps. */
  tfjsOpsStepsPerSec?: number;
  tfjsOpsRuns?: number[];
  /** WebGPU only: compute dispatches per training step (loss readbacks included), ours and on tfjs ops. */
  dispatchesPerStep?: number;
  tfjsOpsDispatchesPerStep?: number;
}

export async function runTrainBench(options: TrainBenchOptions): Promise<TrainBenchResult> {
  const { model, backend } = options;
  const repeats = options.repeats ?? 5;
  const log = options.onLog ?? (() => {});
  if (!(await tf.setBackend(backend))) throw new Error(`The ${backend} backend could not be initialised in this browser, so the ${model} cannot be timed on it.`);
  // As the app's chooseBackend does; model.fit in this page gets them too, so both sides compare like with like.
  installFastCpuKernels();
  const config = TRAIN_MODELS[model]();
  const mnist = config.demo === 'digits' ? await loadMnist(options.mnistUrl) : undefined;
  const dataset = buildDataset(config, { mnist });
  const numTensorsBefore = tf.memory().numTensors;

  const trainer = Trainer.create(config, dataset);
  const loop = new AppTrainingLoop(trainer);
  const twin = await kerasTwinOf(trainer);
  // The same Trainer on tfjs's ops, where the default path is the fused one.
  const opsTrainer = backend === 'webgpu' && trainer.kernelPath.kind === 'fused' ? Trainer.create(config, dataset, undefined, { kernels: 'tfjs' }) : null;
  const opsLoop = opsTrainer && new AppTrainingLoop(opsTrainer);
  let fitData: { x: tf.Tensor; y: tf.Tensor } | null = null;
  try {
    // 1. warm up ours (one step compiles the training shaders; Trainer.warmUp would also
    //    prepare the evaluation of the whole test set, which with TensorFlow.js ops costs the
    //    CNN half a minute on SwiftShader), then size the runs from one more step
    await loop.train(1);
    // A small MLP starts on a kernel that compiles sooner; time the one it moves to.
    await trainer.fastestKernel();
    const stepMs = await loop.train(1);
    const steps = stepsPerRun(Math.round((options.targetRunMs ?? 1500) / stepMs), trainer.stepsPerEpoch, options);

    // 2. fit runs the same steps: one epoch over steps × batch examples, or whole epochs
    const epochs = Math.max(1, steps / trainer.stepsPerEpoch);
    fitData = fitDataOf(dataset, (steps / epochs) * trainer.batchSize);
    await fitOnce(twin.model, fitData, trainer.batchSize, 1);
    if (opsLoop) await opsLoop.train(2);
    const dispatches = backend === 'webgpu' ? await dispatchesPerStep(loop, steps) : undefined;
    const opsDispatches = opsLoop ? await dispatchesPerStep(opsLoop, Math.min(steps, 20)) : dispatches;

    // 3. timed runs, alternating which side goes first
    const ourRuns: number[] = [];
    const fitRuns: number[] = [];
    const opsRuns: number[] = [];
    for (let i = 0; i < repeats; i++) {
      const runOurs = async () => ourRuns.push((steps * 1000) / (await loop.train(steps)));
      const runFit = async () => fitRuns.push((steps * 1000) / (await fitOnce(twin.model, fitData!, trainer.batchSize, epochs)));
      const runOps = async () => void (opsLoop && opsRuns.push((steps * 1000) / (await opsLoop.train(steps))));
      if (i % 2 === 0) await runOurs().then(runFit).then(runOps);
      else await runOps().then(runFit).then(runOurs);
      const ops = opsLoop ? `, tfjs ops ${opsRuns.at(-1)!.toFixed(1)} steps/s` : '';
      log(`${model} on ${backend}, run ${i + 1}/${repeats}: ours ${ourRuns.at(-1)!.toFixed(1)} steps/s, fit ${fitRuns.at(-1)!.toFixed(1)} steps/s${ops}`);
    }
    const ourStepsPerSec = median(ourRuns);
    const fitStepsPerSec = median(fitRuns);
    const path = trainer.kernelPath;
    return {
      model,
      backend,
      batchSize: trainer.batchSize,
      steps,
      epochs,
      ourStepsPerSec,
      fitStepsPerSec,
      ratio: ourStepsPerSec / fitStepsPerSec,
      ourRuns,
      fitRuns,
      kernelPath: path.kind === 'fused' ? 'fused' : `tfjs (${path.reason})`,
      ...(backend === 'webgpu' && {
        tfjsOpsStepsPerSec: opsLoop ? median(opsRuns) : ourStepsPerSec,
        tfjsOpsRuns: opsLoop ? opsRuns : ourRuns,
        dispatchesPerStep: dispatches,
        tfjsOpsDispatchesPerStep: opsDispatches,
      }),
    };
  } finally {
    opsTrainer?.dispose();
    if (fitData) tf.dispose([fitData.x, fitData.y]);
    twin.model.dispose();
    twin.optimizer.dispose();
    trainer.dispose();
    const leaked = tf.memory().numTensors - numTensorsBefore;
    if (leaked !== 0) log(`${model} on ${backend}: ${leaked} tensors were not disposed.`);
  }
}

/**
 * Steps in each timed run: about `wanted`, within the options' bounds, and a whole number of
 * epochs once it exceeds one, so that model.fit can run exactly the same steps.
 */
function stepsPerRun(wanted: number, stepsPerEpoch: number, options: TrainBenchOptions): number {
  const steps = Math.max(options.minSteps ?? 1, Math.min(options.maxSteps ?? 400, wanted));
  if (steps <= stepsPerEpoch) return steps;
  return Math.round(steps / stepsPerEpoch) * stepsPerEpoch;
}

/**
 * Compute dispatches per step while `loop` trains `steps` steps, counted by wrapping
 * GPUComputePassEncoder.dispatchWorkgroups, which tfjs and our fused kernels both call.
 */
export async function dispatchesPerStep(loop: AppTrainingLoop, steps: number): Promise<number> {
  const prototype = GPUComputePassEncoder.prototype;
  const original = prototype.dispatchWorkgroups;
  let count = 0;
  prototype.dispatchWorkgroups = function (this: GPUComputePassEncoder, ...args: Parameters<GPUComputePassEncoder['dispatchWorkgroups']>) {
    count += 1;
    return original.apply(this, args);
  };
  try {
    await loop.train(steps);
  } finally {
    prototype.dispatchWorkgroups = original;
  }
  return count / steps;
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/**
 * The worker's training loop without its messages, evaluations and saves: the app's own
 * trainOneRound (training-loop.ts) again and again, yielding between rounds. The pacer's
 * batch carries over from one call to the next, as it does while the app trains.
 */
export class AppTrainingLoop {
  readonly trainer: TrainerLike;
  #pacer = new ReadbackPacer();

  constructor(trainer: TrainerLike) {
    this.trainer = trainer;
  }

  get stepsPerRead(): number {
    return this.#pacer.stepsPerRead;
  }

  /** Trains `steps` steps and reads back every loss; resolves with the wall time in ms. */
  async train(steps: number): Promise<number> {
    const trainer = this.trainer;
    const target = trainer.step + steps;
    const start = performance.now();
    while (trainer.step < target) {
      await trainOneRound(trainer, this.#pacer, target);
      await yieldToEventLoop();
    }
    return performance.now() - start;
  }
}

/**
 * The same network as a tfjs Layers model, built by the app's own exporter from the
 * trainer's initial weights, compiled with the same optimizer factory.
 */
async function kerasTwinOf(trainer: Trainer): Promise<{ model: tf.LayersModel; optimizer: tf.Optimizer }> {
  const tensors: TensorData[] = await Promise.all(
    trainer.params.map(async (p, i) => ({ name: `param/${trainer.paramTable[i].name}`, dtype: 'float32' as const, shape: p.shape, values: (await p.data()) as Float32Array })),
  );
  const { modelJson, weights } = await exportLayersModel(trainer.config, tensors);
  const model = await tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: modelJson.modelTopology,
      weightSpecs: modelJson.weightsManifest[0].weights,
      weightData: weights.slice().buffer,
    }),
  );
  const optimizer = createOptimizer(trainer.config.optimizer, trainer.config.learningRate);
  // The twin's last layer applies softmax, so this equals our softmax cross-entropy on logits.
  model.compile({ optimizer, loss: 'categoricalCrossentropy' });
  return { model, optimizer };
}

/** The first `count` training examples as the tensors a user would hand to fit. */
function fitDataOf(dataset: Dataset, count: number): { x: tf.Tensor; y: tf.Tensor } {
  const rowSize = dataset.trainX.length / exampleCount(dataset.trainX, dataset.inputShape);
  return tf.tidy(() => ({
    x: tf.tensor(dataset.trainX.subarray(0, count * rowSize), [count, ...dataset.inputShape]),
    y: tf.oneHot(tf.tensor1d(Int32Array.from(dataset.trainY.subarray(0, count)), 'int32'), dataset.classes).toFloat(),
  }));
}

/**
 * model.fit as a user with a live loss chart calls it: shuffled, reading each batch's loss
 * in onBatchEnd. Resolves with the wall time in ms.
 */
async function fitOnce(model: tf.LayersModel, data: { x: tf.Tensor; y: tf.Tensor }, batchSize: number, epochs: number): Promise<number> {
  const losses: number[] = [];
  const start = performance.now();
  await model.fit(data.x, data.y, {
    batchSize,
    epochs,
    shuffle: true,
    verbose: 0,
    callbacks: { onBatchEnd: async (_batch, logs) => void losses.push(logs!.loss) },
  });
  const ms = performance.now() - start;
  if (!losses.every(Number.isFinite)) throw new Error(`model.fit produced a non-finite loss (${losses.find((l) => !Number.isFinite(l))}); the comparison would be meaningless.`);
  return ms;
}

/**
 * Median milliseconds of one tiny computation and its readback on an idle backend: what
 * model.fit pays per batch on top of the step itself, and what decides whether readbacks
 * dominate a small model's step.
 */
export async function readbackRoundTripMs(backend: TrainBackendName, repeats = 20): Promise<number> {
  if (!(await tf.setBackend(backend))) throw new Error(`The ${backend} backend could not be initialised, so its readback cannot be timed.`);
  // Big enough that WebGPU computes it on the device: it hands tensors under 1000 values to the CPU.
  const ones = tf.tidy(() => tf.add(tf.zeros([4096]), 1));
  await ones.data();
  const times: number[] = [];
  try {
    for (let i = 0; i <= repeats; i++) {
      const start = performance.now();
      const loss = tf.tidy(() => tf.sum(tf.mul(ones, i)));
      await loss.data();
      loss.dispose();
      if (i > 0) times.push(performance.now() - start);
    }
  } finally {
    ones.dispose();
  }
  return median(times);
}

export async function loadMnist(url: string): Promise<MnistImages> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`The digits asset could not be loaded (${response.status} for ${url}); run \`npm run build:data\`.`);
  return decodeMnist(new Uint8Array(await response.arrayBuffer()));
}
